// Copying a directory tree with its owners, modes and times: seeding STATE's /var from the image on
// first boot. Files, directories, symlinks and fifos are copied; device nodes and sockets are
// runtime objects and are left out; other mounted filesystems are not entered.
import Glibc

enum TreeCopy {
    /// Copies everything inside `source` into the existing directory `destination`.
    /// Returns the number of entries copied.
    static func copyContents(of source: String, into destination: String) throws -> Int {
        var status = stat()
        guard lstat(source, &status) == 0 else { throw InitrdError("copy \(source): \(System.reason())") }
        return try copyDirectory(source, destination, device: status.st_dev)
    }

    private static func copyDirectory(_ source: String, _ destination: String, device: dev_t) throws -> Int {
        var copied = 0
        for name in try System.listDirectory(source) {
            let from = source + "/" + name
            let to = destination + "/" + name
            var status = stat()
            guard lstat(from, &status) == 0 else { throw InitrdError("copy \(from): \(System.reason())") }
            guard status.st_dev == device else { continue }
            switch status.st_mode & S_IFMT {
            case S_IFDIR:
                try System.makeDirectory(to, mode: 0o700)
                copied += try copyDirectory(from, to, device: device)
            case S_IFREG:
                try copyFile(from, to)
            case S_IFLNK:
                var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
                let length = readlink(from, &target, target.count - 1)
                guard length >= 0 else { throw InitrdError("copy \(from): readlink: \(System.reason())") }
                target[length] = 0
                unlink(to)
                guard symlink(target, to) == 0 else { throw InitrdError("copy \(from): symlink: \(System.reason())") }
            case S_IFIFO:
                unlink(to)
                guard mkfifo(to, 0o600) == 0 else { throw InitrdError("copy \(from): mkfifo: \(System.reason())") }
            default:
                continue
            }
            try copyAttributes(status, to: to, path: from)
            copied += 1
        }
        return copied
    }

    private static func copyFile(_ from: String, _ to: String) throws {
        let input = open(from, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw InitrdError("copy \(from): open: \(System.reason())") }
        defer { close(input) }
        let output = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard output >= 0 else { throw InitrdError("copy \(from) to \(to): create: \(System.reason())") }
        defer { close(output) }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw InitrdError("copy \(from): read: \(System.reason())") }
            if count == 0 { return }
            var offset = 0
            while offset < count {
                let written = chunk.withUnsafeBytes {
                    write(output, $0.baseAddress.map { $0 + offset }, count - offset)
                }
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { throw InitrdError("copy \(from) to \(to): write: \(System.reason())") }
                offset += written
            }
        }
    }

    /// Owner, then mode (chown clears setuid bits), then times; a symlink keeps its own times and owner.
    private static func copyAttributes(_ status: stat, to path: String, path source: String) throws {
        let isLink = (status.st_mode & S_IFMT) == S_IFLNK
        guard lchown(path, status.st_uid, status.st_gid) == 0 else {
            throw InitrdError("copy \(source): chown: \(System.reason())")
        }
        if !isLink, chmod(path, status.st_mode & 0o7777) != 0 {
            throw InitrdError("copy \(source): chmod: \(System.reason())")
        }
        var times = [status.st_atim, status.st_mtim]
        guard utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw InitrdError("copy \(source): set times: \(System.reason())")
        }
    }
}
