// What a root slot must hold for slipway's initrd to boot it. The initrd mounts STATE on /state,
// an overlay on /etc, binds /var and /home from STATE, and moves /dev, /proc, /sys and /run into
// the root before it switches to the root's init. A missing mount point stops the boot in the
// initrd; the image builder checks every root against the same list before writing it, so that a
// profile missing one fails at build time instead.

/// The directories a root must have for slipway's initrd to boot it.
public enum RootLayout {
    /// Where the initrd mounts, in the order it checks them.
    public static let mountPoints = ["/state", "/etc", "/var", "/home", "/dev", "/proc", "/sys", "/run"]
}
