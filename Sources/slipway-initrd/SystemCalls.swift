// Thin throwing wrappers over the system calls the initrd makes. Every failure says which call on
// which path failed and the kernel's reason (strerror), so the console line alone explains it.
import CLinux
import Glibc

/// Why the initrd cannot continue: printed as `slipway-initrd: [uptime] error: <message>`.
struct InitrdError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

enum System {
    /// The text of the current errno.
    static func reason(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

    static func mount(
        _ source: String, on target: String, type: String?, flags: UInt = 0, options: String? = nil, what: String
    ) throws {
        let status = CLinux.mount(source, target, type, flags, options)
        guard status == 0 else {
            let code = errno
            var hint = ""
            if code == ENODEV, let type {
                hint = " (the kernel has no \(type) filesystem: is its module in the initrd?)"
            }
            throw InitrdError("\(what): mount \(source) on \(target): \(reason(code))\(hint)")
        }
    }

    /// Creates a directory; an existing directory is fine.
    static func makeDirectory(_ path: String, mode: mode_t = 0o755) throws {
        if mkdir(path, mode) == 0 || (errno == EEXIST && isDirectory(path)) { return }
        throw InitrdError("create directory \(path): \(reason())")
    }

    static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }

    static func exists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    static func isExecutable(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG && access(path, X_OK) == 0
    }

    /// The whole contents of a (small) file such as /proc/cmdline or a sysfs attribute.
    static func readFile(_ path: String, limit: Int = 1 << 20) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw InitrdError("read \(path): \(reason())") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < limit {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw InitrdError("read \(path): \(reason())") }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return bytes
    }

    static func readText(_ path: String) throws -> String {
        String(decoding: try readFile(path), as: UTF8.self)
    }

    /// A one-value file such as a sysfs attribute, without its whitespace.
    static func readValue(_ path: String) throws -> String {
        String(try readText(path).filter { !$0.isWhitespace })
    }

    /// Writes `text` to a new file (replacing it) and flushes it to the disk.
    static func writeFile(_ path: String, _ text: String, mode: mode_t = 0o644) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw InitrdError("write \(path): \(reason())") }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress.map { $0 + offset }, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw InitrdError("write \(path): \(reason())") }
            offset += written
        }
        guard fsync(fd) == 0 else { throw InitrdError("flush \(path): \(reason())") }
    }

    /// Flushes `directory` itself, so that a rename in it survives a reset right after.
    static func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    /// Names in a directory, without "." and "..", in byte order.
    static func listDirectory(_ path: String) throws -> [String] {
        guard let directory = opendir(path) else { throw InitrdError("list \(path): \(reason())") }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// The running kernel's release (`uname -r`).
    static func kernelRelease() -> String {
        var names = utsname()
        uname(&names)
        return withUnsafePointer(to: &names.release) {
            $0.withMemoryRebound(to: CChar.self, capacity: 65) { String(cString: $0) }
        }
    }

    /// Sleeps for `seconds` (fractions allowed), resuming after signals.
    static func sleep(seconds: Double) {
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}
