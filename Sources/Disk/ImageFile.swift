// A file descriptor with positioned reads and writes, the one place this module calls POSIX file
// I/O. Every failure becomes `DiskError.io` naming the operation and the path.
import Foundation

/// An open image file, closed in deinit.
final class ImageFile {
    let path: String
    private let descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    /// Opens an existing file for reading.
    static func openForReading(_ path: String) throws -> ImageFile {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw DiskError.io(operation: "open", path: path, errno: errno) }
        return ImageFile(path: path, descriptor: descriptor)
    }

    /// Opens an existing file for reading and writing.
    static func openForWriting(_ path: String) throws -> ImageFile {
        let descriptor = open(path, O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else { throw DiskError.io(operation: "open for writing", path: path, errno: errno) }
        return ImageFile(path: path, descriptor: descriptor)
    }

    /// Creates a new file that must not exist yet (so nothing else is ever overwritten through it).
    static func create(_ path: String) throws -> ImageFile {
        let descriptor = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw DiskError.io(operation: "create", path: path, errno: errno) }
        return ImageFile(path: path, descriptor: descriptor)
    }

    deinit { close(descriptor) }

    /// The file's size in bytes.
    func size() throws -> UInt64 {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw DiskError.io(operation: "stat", path: path, errno: errno) }
        return UInt64(info.st_size)
    }

    /// Sets the size; growing leaves a hole that reads as zeros and takes no space.
    func truncate(to size: UInt64) throws {
        guard ftruncate(descriptor, off_t(size)) == 0 else {
            throw DiskError.io(operation: "set size to \(size) bytes", path: path, errno: errno)
        }
    }

    /// Reads exactly `count` bytes at `offset`; fewer only at the end of the file.
    func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        let got = try buffer.withUnsafeMutableBytes { try read(into: $0, at: offset) }
        return Array(buffer.prefix(got))
    }

    /// Fills `buffer` from `offset`, returning how many bytes were read (short only at end of file).
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var done = 0
        while done < buffer.count {
            let result = pread(descriptor, base + done, buffer.count - done, off_t(offset) + off_t(done))
            if result < 0 && errno == EINTR { continue }
            guard result >= 0 else {
                throw DiskError.io(operation: "read at byte \(offset)", path: path, errno: errno)
            }
            if result == 0 { break }
            done += result
        }
        return done
    }

    /// Writes all of `bytes` at `offset`.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws {
        guard let base = bytes.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            let result = pwrite(descriptor, base + done, bytes.count - done, off_t(offset) + off_t(done))
            if result < 0 && errno == EINTR { continue }
            guard result > 0 else {
                throw DiskError.io(operation: "write at byte \(offset)", path: path, errno: result < 0 ? errno : EIO)
            }
            done += result
        }
    }

    func write(_ bytes: [UInt8], at offset: UInt64) throws {
        try bytes.withUnsafeBytes { try write($0, at: offset) }
    }

    /// The next data region at or after `offset` (SEEK_DATA/SEEK_HOLE), or nil past the last one.
    /// Filesystems without hole reporting return the whole rest of the file as data.
    func nextDataRegion(from offset: UInt64, size: UInt64) -> Range<UInt64>? {
        guard offset < size else { return nil }
        let data = lseek(descriptor, off_t(offset), ImageFile.seekData)
        if data < 0 { return errno == ENXIO ? nil : offset..<size }
        let hole = lseek(descriptor, data, ImageFile.seekHole)
        let end = hole < 0 ? size : min(UInt64(hole), size)
        return UInt64(data)..<end
    }

    // lseek whence values of Linux; glibc declares them only under _GNU_SOURCE, which Swift does not set.
    private static let seekData: Int32 = 3
    private static let seekHole: Int32 = 4

    /// Flushes the file's data to stable storage.
    func sync() throws {
        guard fsync(descriptor) == 0 else { throw DiskError.io(operation: "fsync", path: path, errno: errno) }
    }
}
