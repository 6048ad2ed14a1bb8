// An archive's raw bytes read in order, for what slipway decompresses itself (XZDecoder) and for
// inputs that can be read only once (another reader's member, a pipe), whose first bytes are kept
// to tell their compression before any decoder sees them.
internal import CArchive

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Bytes in order. Each call returns the next bytes, valid until the next call; none at the end.
protocol ByteStream: AnyObject {
    func nextBytes() throws -> UnsafeRawBufferPointer
}

/// A whole file (or a pipe) read from the start.
final class FileStream: ByteStream {
    private let path: String
    private let fd: Int32
    private let buffer: UnsafeMutableRawBufferPointer

    init(path: String, label: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ArchiveError(archive: label, operation: "open", message: "\(path): \(systemMessage(errno))")
        }
        self.path = path
        self.fd = fd
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    }

    deinit {
        close(fd)
        buffer.deallocate()
    }

    func nextBytes() throws -> UnsafeRawBufferPointer {
        while true {
            let count = read(fd, buffer.baseAddress, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw StreamFailure(message: "\(path): \(systemMessage(errno))") }
            return UnsafeRawBufferPointer(rebasing: buffer[..<count])
        }
    }
}

/// Bytes held in memory, in one piece.
final class MemoryStream: ByteStream {
    private let memory: MemoryInput
    private var done = false

    init(_ memory: MemoryInput) { self.memory = memory }

    func nextBytes() throws -> UnsafeRawBufferPointer {
        defer { done = true }
        return done
            ? UnsafeRawBufferPointer(start: nil, count: 0)
            : UnsafeRawBufferPointer(start: memory.base, count: memory.count)
    }
}

/// `prefix`, then the rest of `rest`: a stream whose first bytes were read to tell its format.
final class PrefixedStream: ByteStream {
    /// The prefix where a returned pointer stays valid.
    private let prefix: MemoryInput
    private let rest: any ByteStream
    private var prefixSent = false

    init(prefix: [UInt8], rest: any ByteStream) {
        self.prefix = MemoryInput(copying: prefix)
        self.rest = rest
    }

    /// Reads at least `count` bytes of `stream` (fewer only at its end) and returns a stream that
    /// gives them again first.
    static func peeking(_ count: Int, of stream: any ByteStream) throws -> (prefix: [UInt8], stream: PrefixedStream) {
        var prefix: [UInt8] = []
        while prefix.count < count {
            let bytes = try stream.nextBytes()
            if bytes.isEmpty { break }
            prefix += bytes
        }
        return (prefix, PrefixedStream(prefix: prefix, rest: stream))
    }

    func nextBytes() throws -> UnsafeRawBufferPointer {
        if !prefixSent {
            prefixSent = true
            if prefix.count > 0 { return UnsafeRawBufferPointer(start: prefix.base, count: prefix.count) }
        }
        return try rest.nextBytes()
    }
}

/// A failure of a stream's source, with our own description.
struct StreamFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// A libarchive read callback's source: `read` hands out the next bytes (0 at the end, -1 on
/// failure, with `lastError` saying why). Such a source is a `ByteStream` as it is.
protocol CallbackInput: ByteStream {
    func read(_ out: UnsafeMutablePointer<UnsafeRawPointer?>?) -> Int
    var lastError: String? { get }
}

extension CallbackInput {
    func nextBytes() throws -> UnsafeRawBufferPointer {
        var pointer: UnsafeRawPointer?
        let count = read(&pointer)
        guard count >= 0 else { throw StreamFailure(message: lastError ?? "read failed") }
        return UnsafeRawBufferPointer(start: pointer, count: count)
    }
}

extension FileRangeInput: CallbackInput {}
extension NestedInput: CallbackInput {}

/// A `ByteStream` served to a libarchive handle through a read callback.
final class StreamInput {
    private let stream: any ByteStream
    private(set) var lastError: String?

    init(_ stream: any ByteStream) { self.stream = stream }

    /// Installs the read callback on `handle` and opens it (`archive_read_open1`).
    func attach(to handle: OpaquePointer) -> Int32 {
        archive_read_set_callback_data(handle, Unmanaged.passUnretained(self).toOpaque())
        archive_read_set_read_callback(handle, streamRead)
        return archive_read_open1(handle)
    }

    fileprivate func read(_ out: UnsafeMutablePointer<UnsafeRawPointer?>?) -> Int {
        do {
            let bytes = try stream.nextBytes()
            out?.pointee = bytes.baseAddress
            return bytes.count
        } catch {
            lastError = "\(error)"
            return Int(ARCHIVE_FATAL)
        }
    }
}

private func streamRead(
    _ archive: OpaquePointer?, _ context: UnsafeMutableRawPointer?, _ out: UnsafeMutablePointer<UnsafeRawPointer?>?
) -> la_ssize_t {
    guard let context else { return la_ssize_t(ARCHIVE_FATAL) }
    return la_ssize_t(Unmanaged<StreamInput>.fromOpaque(context).takeUnretainedValue().read(out))
}
