// Rebooting from the initrd, when the first boot changed the boot entry's kernel arguments or a
// failed boot falls back to the other slot: what is mounted under /sysroot is unmounted (top first)
// and everything flushed, so STATE is clean and the first-boot record is on the disk before the
// machine resets.
import CLinux
import Glibc

enum Reboot {
    /// Unmounts the new root's filesystems, syncs and reboots. Returns only by throwing.
    static func now() throws -> Never {
        let root = RootSetup.sysroot
        // EINVAL and ENOENT: not mounted (a boot that failed before mounting it).
        for mountPoint in [root + "/etc", root + "/var", root + "/home", RootSetup.stateMount, root]
        where umount(mountPoint) != 0 && errno != EINVAL && errno != ENOENT {
            // Not fatal: sync below still puts every write on the disk, and ext4 replays its journal.
            Console.log("could not unmount \(mountPoint) before rebooting: \(System.reason())")
        }
        sync()
        Console.log("rebooting")
        reboot(RB_AUTOBOOT)
        throw InitrdError("reboot: \(System.reason())")
    }
}
