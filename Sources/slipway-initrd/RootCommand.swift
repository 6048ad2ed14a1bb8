// Running one of the image's own programs (mkfs.ext4, mkfs.vfat, mkswap) inside the new root: the
// initrd carries no filesystem tools, and the image's are the versions its system will use. The
// child is forked, chroots to the root and execs the program; /dev, /proc and /sys are bound into
// the root for as long as `APIBinds` lives, so the program sees the devices and its mount table.
import Glibc

enum RootCommand {
    static let searchPath = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]

    /// The first of `names` found executable in the root's sbin and bin directories, as a path in the root.
    static func find(_ names: [String], root: String) -> String? {
        let resolver = RootPathResolver(root: root)
        for name in names {
            for directory in searchPath where System.isExecutable(resolver.nearestExisting(directory + "/" + name)) {
                return directory + "/" + name
            }
        }
        return nil
    }

    /// Runs `arguments` (the program as a path in the root first) chrooted into `root`. Returns its
    /// exit status (or 128 + signal) and what it printed on stdout and stderr.
    static func run(_ arguments: [String], root: String) throws -> (status: Int32, output: String) {
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw InitrdError("pipe: \(System.reason())") }
        _ = fcntl(pipeEnds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(pipeEnds[1], F_SETFD, FD_CLOEXEC)
        // Everything the child needs is allocated before fork: the child only makes system calls.
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        let variables = ["PATH=" + searchPath.joined(separator: ":"), "LANG=C"]
        var environment: [UnsafeMutablePointer<CChar>?] = variables.map { strdup($0) }
        environment.append(nil)
        defer { for pointer in argv + environment { free(pointer) } }
        let child = fork()
        if child == 0 {
            dup2(pipeEnds[1], 1)
            dup2(pipeEnds[1], 2)
            if chroot(root) == 0 && chdir("/") == 0, let program = argv[0] {
                execve(program, argv, environment)
            }
            _exit(127)
        }
        close(pipeEnds[1])
        defer { close(pipeEnds[0]) }
        guard child > 0 else { throw InitrdError("fork for \(arguments[0]): \(System.reason())") }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(pipeEnds[0], $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            if output.count < 1 << 16 { output += chunk[0..<count] }
        }
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        let exited = status & 0x7F == 0
        return (exited ? (status >> 8) & 0xFF : 128 + (status & 0x7F), String(decoding: output, as: UTF8.self))
    }
}

/// /dev, /proc and /sys bound into the root while the image's tools run; `release` unmounts them
/// so that the switch to the root can move the initrd's own there.
struct APIBinds {
    private(set) var targets: [String] = []

    init(root: String) throws {
        for directory in ["/dev", "/proc", "/sys"] {
            let target = root + directory
            guard System.isDirectory(target) else {
                release()
                throw InitrdError("the root has no \(directory) directory to bind the initrd's \(directory) on")
            }
            do {
                try System.mount(directory, on: target, type: nil, flags: UInt(MS_BIND), what: "bind \(directory)")
            } catch {
                release()
                throw error
            }
            targets.append(target)
        }
    }

    func release() {
        for target in targets.reversed() where umount2(target, Int32(MNT_DETACH)) != 0 {
            Console.log("warning: could not unmount \(target): \(System.reason())")
        }
    }
}
