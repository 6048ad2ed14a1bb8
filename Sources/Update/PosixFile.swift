// Exact reads and writes at byte offsets of a file or block device, without Foundation: the payload,
// the disk (an image file offline, the disk's block device on a host) and STATE's records.
import CLinux
import Glibc

/// An open file descriptor with positioned I/O that reports errors as `UpdateError`s naming `path`.
public final class PosixFile: @unchecked Sendable {  // the descriptor never changes; pread/pwrite are thread-safe
    public let path: String
    let fd: Int32
    /// The descriptor, for operations this type does not wrap.
    public var descriptor: Int32 { fd }

    /// Opens `path` read-only, or read-write with `writable`.
    public init(path: String, writable: Bool = false) throws(UpdateError) {
        self.path = path
        fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC)
        guard fd >= 0 else { throw UpdateError(path, "cannot open: \(PosixFile.reason())") }
    }

    /// Creates (or truncates) `path` for writing with `mode`.
    public init(creating path: String, mode: UInt32 = 0o644) throws(UpdateError) {
        self.path = path
        fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, mode_t(mode))
        guard fd >= 0 else { throw UpdateError(path, "cannot create: \(PosixFile.reason())") }
    }

    deinit { close(fd) }

    /// The size in bytes: of the file, or of the block device.
    public func size() throws(UpdateError) -> UInt64 {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw UpdateError(path, "stat: \(Self.reason())") }
        if (info.st_mode & S_IFMT) == S_IFBLK {
            let end = lseek(fd, 0, SEEK_END)
            guard end >= 0 else { throw UpdateError(path, "cannot seek to the end: \(Self.reason())") }
            return UInt64(end)
        }
        return UInt64(info.st_size)
    }

    /// Whether this is a regular file (an image) rather than a block device.
    public var isRegularFile: Bool {
        var info = stat()
        return fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// Up to `count` bytes at `offset`; fewer only at the end of the file.
    public func read(at offset: UInt64, count: Int) throws(UpdateError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = bytes.withUnsafeMutableBytes {
                pread(fd, $0.baseAddress.map { $0 + done }, count - done, off_t(offset) + off_t(done))
            }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else { throw UpdateError(path, "read at byte \(offset + UInt64(done)): \(Self.reason())") }
            if got == 0 { break }
            done += got
        }
        return done == count ? bytes : Array(bytes[..<done])
    }

    /// Exactly `count` bytes at `offset`, or an error saying the file ends early.
    public func readExactly(at offset: UInt64, count: Int, what: String) throws(UpdateError) -> [UInt8] {
        let bytes = try read(at: offset, count: count)
        guard bytes.count == count else {
            throw UpdateError(path, "truncated: it ends inside \(what) (byte \(offset + UInt64(bytes.count)))")
        }
        return bytes
    }

    /// Writes all of `bytes` at `offset`.
    public func write(_ bytes: [UInt8], at offset: UInt64) throws(UpdateError) {
        var done = 0
        while done < bytes.count {
            let wrote = bytes.withUnsafeBytes {
                pwrite(fd, $0.baseAddress.map { $0 + done }, bytes.count - done, off_t(offset) + off_t(done))
            }
            if wrote < 0 && errno == EINTR { continue }
            guard wrote > 0 else {
                throw UpdateError(path, "write at byte \(offset + UInt64(done)): \(Self.reason())")
            }
            done += wrote
        }
    }

    /// Makes `count` bytes at `offset` read as zeros: a hole in an image file (so it stays sparse),
    /// written zeros on a block device.
    public func zero(at offset: UInt64, count: Int) throws(UpdateError) {
        if isRegularFile,
            slipway_punch_hole(fd, Int64(offset), Int64(count)) == 0
        {
            return
        }
        try write([UInt8](repeating: 0, count: count), at: offset)
    }

    /// Waits until everything written is on the disk.
    public func sync() throws(UpdateError) {
        guard fsync(fd) == 0 else { throw UpdateError(path, "fsync: \(Self.reason())") }
    }

    /// Creates `path` and its missing parents (mode 0755), like `mkdir -p`.
    public static func makeDirectories(_ path: String) throws(UpdateError) {
        var prefix = ""
        for part in path.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw UpdateError(prefix, "cannot create: \(reason())")
            }
        }
    }

    /// Writes `bytes` beside `path` (as `path.new`, with `mode` whatever the umask), flushes it,
    /// renames it over `path` and flushes the directory: a crash leaves the old file or the new one,
    /// and a reboot right after keeps the new one.
    public static func replace(_ path: String, with bytes: [UInt8], mode: UInt32 = 0o644) throws(UpdateError) {
        let temporary = path + ".new"
        let file = try PosixFile(creating: temporary, mode: mode)
        guard fchmod(file.fd, mode_t(mode)) == 0 else { throw UpdateError(temporary, "chmod: \(reason())") }
        try file.write(bytes, at: 0)
        try file.sync()
        guard rename(temporary, path) == 0 else {
            throw UpdateError(path, "cannot rename \(temporary) into place: \(reason())")
        }
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        try PosixFile(path: directory.isEmpty ? "/" : directory).sync()
    }

    static func reason() -> String { String(cString: strerror(errno)) }
}
