// Handing over to the system: the API filesystems move into the new root, the initramfs is emptied
// (it is RAM that nothing will use again), the new root is moved onto / and its init replaces us.
import CLinux
import Glibc

enum SwitchRoot {
    static let ramfsMagic: Int = 0x8584_58f6
    static let tmpfsMagic: Int = 0x0102_1994

    /// Moves /dev, /proc, /sys and /run into `root`.
    static func moveAPIFilesystems(into root: String) throws {
        for mountPoint in ["/dev", "/proc", "/sys", "/run"] {
            try System.mount(
                mountPoint, on: root + mountPoint, type: nil, flags: UInt(MS_MOVE), what: "move \(mountPoint)")
        }
    }

    /// Whether `initPath` in `root` is systemd (often through /sbin/init → /lib/systemd/systemd).
    static func isSystemd(root: String, initPath: String) -> Bool {
        let resolved = RootPathResolver(root: root).nearestExisting(initPath)
        return resolved.split(separator: "/").last == "systemd" && System.isExecutable(resolved)
    }

    /// Empties the initramfs, makes `root` the root directory and executes `initPath` in it with
    /// `arguments`. Returns only by throwing, after which no rescue shell is left to run.
    static func switchRoot(to root: String, initPath: String, arguments: [String] = []) throws -> Never {
        var rootStatus = stat()
        guard stat("/", &rootStatus) == 0 else { throw InitrdError("switch root: stat /: \(System.reason())") }
        var filesystem = statfs()
        guard statfs("/", &filesystem) == 0 else { throw InitrdError("switch root: statfs /: \(System.reason())") }
        // Only ever delete from the initramfs, never from a disk that somehow ended up at /.
        let type = Int(filesystem.f_type)
        guard type == ramfsMagic || type == tmpfsMagic else {
            throw InitrdError("switch root: / is not the initramfs (filesystem type 0x\(String(type, radix: 16)))")
        }
        guard chdir(root) == 0 else { throw InitrdError("switch root: chdir \(root): \(System.reason())") }
        removeContents(of: "/", device: rootStatus.st_dev)
        try System.mount(".", on: "/", type: nil, flags: UInt(MS_MOVE), what: "switch root")
        guard chroot(".") == 0 else { throw InitrdError("switch root: chroot: \(System.reason())") }
        guard chdir("/") == 0 else { throw InitrdError("switch root: chdir /: \(System.reason())") }
        Console.log("switching root: exec \(([initPath] + arguments).joined(separator: " "))")
        // Set on the kernel command line for this program only (see KernelCommandLine.defaultExtra).
        unsetenv("SWIFT_DETERMINISTIC_HASHING")
        var argv: [UnsafeMutablePointer<CChar>?] = ([initPath] + arguments).map { strdup($0) } + [nil]
        execv(initPath, &argv)
        throw InitrdError("exec \(initPath) in the new root: \(System.reason())")
    }

    /// Deletes everything below `path` that lives on `device`, leaving mount points of other filesystems
    /// (the new root) alone. Failures are ignored: what cannot be deleted only costs memory.
    private static func removeContents(of path: String, device: dev_t) {
        guard let names = try? System.listDirectory(path) else { return }
        for name in names {
            let child = path == "/" ? "/" + name : path + "/" + name
            var status = stat()
            guard lstat(child, &status) == 0, status.st_dev == device else { continue }
            if (status.st_mode & S_IFMT) == S_IFDIR {
                removeContents(of: child, device: device)
                rmdir(child)
            } else {
                unlink(child)
            }
        }
    }
}
