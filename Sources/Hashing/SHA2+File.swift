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

/// Reads the file at `path` in chunks of up to 1 MiB, handing each to `consume`. Throws
/// `HashingError`, or what `consume` throws.
///
/// Holes of a sparse file are handed over as zeros without reading them (`SEEK_DATA`/`SEEK_HOLE`):
/// images are mostly holes, and reading a hole makes the kernel clear a page for every 4 KiB of it,
/// which took half the time of hashing a 16 GiB root filesystem. Filesystems without hole support
/// report the whole file as data, which is read as before.
public func forEachChunk(ofFile path: String, _ consume: (UnsafeRawBufferPointer) throws -> Void) throws {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw HashingError(path: path, errno: errno) }
    defer { close(fd) }
    var status = stat()
    guard fstat(fd, &status) == 0 else { throw HashingError(path: path, errno: errno) }
    let size = Int64(status.st_size)
    let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    defer { chunk.deallocate() }
    let zeros = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk.count, alignment: 16)
    defer { zeros.deallocate() }
    zeros.initializeMemory(as: UInt8.self, repeating: 0)

    var position: Int64 = 0
    while true {
        // Where the next data starts: ENXIO means only a hole is left up to the end of the file.
        var dataStart = Int64(lseek(fd, off_t(position), seekData))
        if dataStart < 0 { dataStart = errno == ENXIO ? max(size, position) : position }
        while position < dataStart {
            let count = Int(min(Int64(zeros.count), dataStart - position))
            try consume(UnsafeRawBufferPointer(rebasing: zeros[0..<count]))
            position += Int64(count)
        }
        let holeStart = Int64(lseek(fd, off_t(position), seekHole))
        let dataEnd = holeStart > position ? holeStart : Int64.max
        // Read up to the next hole, or to the end when the file grew or has no holes.
        while position < dataEnd {
            let count = pread(fd, chunk.baseAddress, Int(min(Int64(chunk.count), dataEnd - position)), off_t(position))
            if count < 0 {
                if errno == EINTR { continue }
                throw HashingError(path: path, errno: errno)
            }
            if count == 0 { return }
            try consume(UnsafeRawBufferPointer(rebasing: chunk[0..<count]))
            position += Int64(count)
        }
    }
}

// lseek's whence values for holes (Linux <unistd.h>, visible to C only with _GNU_SOURCE).
private let seekData: Int32 = 3
private let seekHole: Int32 = 4

extension SHA2Function {
    /// The lower-case hexadecimal digest of the file at `path`.
    public static func hexDigest(ofFile path: String) throws -> String {
        var function = Self()
        try forEachChunk(ofFile: path) { function.update($0) }
        return hex(function.finalize())
    }
}
