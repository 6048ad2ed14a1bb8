// Assembling the system under /sysroot: the read-only root slot, the writable STATE partition on its
// /state, an overlay on /etc whose changes live on STATE, and /var and /home bound from STATE.
//
// STATE layout (created on first boot):
//   /state/etc-upper  /state/etc-work   overlay upper and work directories for /etc
//   /state/var        /state/home       bound onto /var and /home
//   /state/.slipway/layout              written last: its absence means this is the first boot
//
// The root slot must hold the system's init and the directories mounted on: /state, /etc, /var,
// /home, /dev, /proc, /sys and /run (BootSlots' RootLayout, which the image builder checks too). A
// missing one stops the boot with a message naming it.
import BootSlots
import CLinux
import Glibc

enum RootSetup {
    static let sysroot = "/sysroot"
    static let stateMount = sysroot + "/state"
    static let layoutMarker = stateMount + "/.slipway/layout"

    /// Mounts the root slot (its partition, or the verity device over it) read-only on /sysroot.
    static func mountRoot(_ devicePath: String, reference: PartitionReference, initPath: String) throws {
        try System.mount(
            devicePath, on: sysroot, type: "ext4", flags: UInt(MS_RDONLY),
            what: "mount root \(reference) read-only (is the slot an ext4 filesystem?)")
        // Resolved inside the new root: /sbin/init is often an absolute link to /lib/systemd/systemd.
        guard System.isExecutable(RootPathResolver(root: sysroot).nearestExisting(initPath)) else {
            throw InitrdError(
                "root \(reference) (\(devicePath)) has no executable \(initPath); "
                    + "set slipway.init= to the system's init or rebuild the image")
        }
        for mountPoint in RootLayout.mountPoints {
            guard System.isDirectory(sysroot + mountPoint) else {
                throw InitrdError(
                    "root \(reference) has no \(mountPoint) directory to mount on; the image builder must create it")
            }
        }
    }

    /// Mounts STATE read-write on /sysroot/state. Returns true if this is the first boot (no layout
    /// marker yet), after creating the layout.
    static func mountState(_ device: BlockDevice, reference: PartitionReference) throws -> Bool {
        try System.mount(
            device.devicePath, on: stateMount, type: "ext4", flags: UInt(MS_NOATIME),
            what: "mount STATE \(reference) read-write (is it an ext4 filesystem?)")
        let firstBoot = !System.exists(layoutMarker)
        if firstBoot {
            for directory in ["etc-upper", "etc-work", "var", "home", ".slipway"] {
                try System.makeDirectory(stateMount + "/" + directory)
            }
        }
        return firstBoot
    }

    /// Seeds STATE's /var with the image's /var, so packages find the directories they shipped there.
    static func seedVar() throws -> Int {
        try TreeCopy.copyContents(of: sysroot + "/var", into: stateMount + "/var")
    }

    /// The overlay on /etc and the binds of /var and /home.
    static func mountWritableDirectories() throws {
        try System.mount(
            "overlay", on: sysroot + "/etc", type: "overlay",
            options: "lowerdir=\(sysroot)/etc,upperdir=\(stateMount)/etc-upper,workdir=\(stateMount)/etc-work",
            what: "overlay /etc")
        for directory in ["var", "home"] {
            try System.mount(
                "\(stateMount)/\(directory)", on: "\(sysroot)/\(directory)", type: nil, flags: UInt(MS_BIND),
                what: "bind /\(directory) from STATE")
        }
    }

    /// Records that STATE has its layout and the first boot is done.
    static func markInitialized() throws {
        try System.writeFile(layoutMarker, "1\n")
        sync()
    }
}
