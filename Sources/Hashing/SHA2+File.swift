// Digests of files, read in large chunks with plain POSIX calls (no Foundation).
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file could not be read for hashing.
public struct HashingError: Error, CustomStringConvertible {
    public var path: String
    public var errno: Int32
    public var description: String { "\(path): cannot read for hashing: \(String(cString: strerror(errno)))" }

    public init(path: String, errno: Int32) {
        self.path = path
        self.errno = errno
    }
}

/// Reads the file at `path` in 1 MiB chunks, handing each to `consume`. Throws `HashingError`, or
/// what `consume` throws.
public func forEachChunk(ofFile path: String, _ consume: (UnsafeRawBufferPointer) throws -> Void) throws {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw HashingError(path: path, errno: errno) }
    defer { close(fd) }
    let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    defer { chunk.deallocate() }
    while true {
        let count = read(fd, chunk.baseAddress, chunk.count)
        if count < 0 {
            if errno == EINTR { continue }
            throw HashingError(path: path, errno: errno)
        }
        if count == 0 { return }
        try consume(UnsafeRawBufferPointer(rebasing: chunk[0..<count]))
    }
}

extension SHA2Function {
    /// The lower-case hexadecimal digest of the file at `path`.
    public static func hexDigest(ofFile path: String) throws -> String {
        var function = Self()
        try forEachChunk(ofFile: path) { function.update($0) }
        return hex(function.finalize())
    }
}
