// Where an ArchiveReader's bytes come from. Every buffer libarchive reads is owned by one of these
// objects, which the reader keeps alive until after `archive_read_free`.
internal import CArchive

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

enum ReaderInput {
    /// A whole file, opened by libarchive itself (`archive_read_open_filename`). `regular` tells
    /// whether it is a regular file, whose bytes can be referenced by offset (a FIFO cannot).
    case file(path: String, regular: Bool)
    /// A private copy of caller-provided bytes.
    case memory(MemoryInput)
    /// A byte range of a file, read through our own callbacks.
    case range(FileRangeInput)
    /// The current member of another archive, read through our own callbacks.
    case nested(NestedInput)
    /// One of the above, compressed, decompressed by a handle of its own (see `StackedInput`).
    case stacked(StackedInput)

    /// Our own description of the last input failure, which libarchive only sees as -1.
    var lastError: String? {
        switch self {
        case .file, .memory: nil
        case .range(let range): range.lastError
        case .nested(let nested): nested.lastError
        case .stacked(let stacked): stacked.lastError
        }
    }

    /// Opens `handle` on this input.
    func attach(to handle: OpaquePointer) -> Int32 {
        switch self {
        case .file(let path, _): archive_read_open_filename(handle, path, 1 << 20)
        case .memory(let memory): archive_read_open_memory(handle, memory.base, memory.count)
        case .range(let range): range.attach(to: handle)
        case .nested(let nested): nested.attach(to: handle)
        case .stacked(let stacked): stacked.attach(to: handle)
        }
    }
}

/// The data of another reader's current member, served to libarchive through a read callback.
final class NestedInput {
    private let outer: ArchiveReader
    private let buffer: UnsafeMutableRawBufferPointer
    private(set) var lastError: String?

    init(outer: ArchiveReader) {
        self.outer = outer
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// Installs the read callback on `handle` and opens it (`archive_read_open1`).
    func attach(to handle: OpaquePointer) -> Int32 {
        archive_read_set_callback_data(handle, Unmanaged.passUnretained(self).toOpaque())
        archive_read_set_read_callback(handle, nestedRead)
        return archive_read_open1(handle)
    }

    func read(_ out: UnsafeMutablePointer<UnsafeRawPointer?>?) -> Int {
        out?.pointee = UnsafeRawPointer(buffer.baseAddress)
        do {
            return try outer.read(into: buffer)
        } catch {
            lastError = "\(error)"
            return Int(ARCHIVE_FATAL)
        }
    }
}

private func nestedRead(
    _ archive: OpaquePointer?, _ context: UnsafeMutableRawPointer?, _ out: UnsafeMutablePointer<UnsafeRawPointer?>?
) -> la_ssize_t {
    guard let context else { return la_ssize_t(ARCHIVE_FATAL) }
    return la_ssize_t(Unmanaged<NestedInput>.fromOpaque(context).takeUnretainedValue().read(out))
}

/// A copy of in-memory input that lives exactly as long as the reader: libarchive keeps reading
/// from the pointer after `archive_read_open_memory` returns, so it must not point into a Swift
/// array whose storage is only valid inside `withUnsafeBytes`.
final class MemoryInput {
    let base: UnsafeMutableRawPointer
    let count: Int

    init(copying bytes: [UInt8]) {
        count = bytes.count
        base = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        bytes.withUnsafeBytes { source in
            if let from = source.baseAddress { base.copyMemory(from: from, byteCount: source.count) }
        }
    }

    deinit { base.deallocate() }
}

/// `length` bytes of a file from `offset`, served to libarchive through read, skip and seek callbacks.
final class FileRangeInput {
    let path: String
    let offset: Int64
    let length: Int64
    /// Whether the file is a regular file, whose bytes can be referenced by offset.
    let regular: Bool
    /// Our own description of an I/O failure, which libarchive would otherwise report as a bare -1.
    private(set) var lastError: String?
    private let fd: Int32
    private var position: Int64 = 0
    private let buffer: UnsafeMutableRawPointer
    private static let bufferSize = 1 << 20

    init(path: String, offset: Int64, length: Int64, label: String) throws {
        guard offset >= 0, length >= 0, offset <= Int64.max - length else {
            throw ArchiveError(archive: label, operation: "open", message: "invalid byte range \(offset)+\(length)")
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ArchiveError(archive: label, operation: "open", message: "\(path): \(systemMessage(errno))")
        }
        var info = stat()
        guard fstat(fd, &info) == 0, Int64(info.st_size) >= offset + length else {
            close(fd)
            throw ArchiveError(
                archive: label, operation: "open",
                message: "byte range \(offset)+\(length) lies beyond the end of \(path)")
        }
        self.path = path
        self.offset = offset
        self.length = length
        self.fd = fd
        regular = info.st_mode & S_IFMT == S_IFREG
        buffer = UnsafeMutableRawPointer.allocate(byteCount: Self.bufferSize, alignment: 16)
    }

    deinit {
        close(fd)
        buffer.deallocate()
    }

    /// Installs the callbacks on `handle` and opens it (`archive_read_open1`).
    func attach(to handle: OpaquePointer) -> Int32 {
        archive_read_set_callback_data(handle, Unmanaged.passUnretained(self).toOpaque())
        archive_read_set_read_callback(handle, rangeRead)
        archive_read_set_skip_callback(handle, rangeSkip)
        archive_read_set_seek_callback(handle, rangeSeek)
        return archive_read_open1(handle)
    }

    func read(_ out: UnsafeMutablePointer<UnsafeRawPointer?>?) -> Int {
        let wanted = Int(min(Int64(Self.bufferSize), length - position))
        out?.pointee = UnsafeRawPointer(buffer)
        if wanted <= 0 { return 0 }
        while true {
            let count = pread(fd, buffer, wanted, off_t(offset + position))
            if count < 0 && errno == EINTR { continue }
            if count < 0 {
                lastError = "\(path): \(systemMessage(errno))"
                return Int(ARCHIVE_FATAL)
            }
            if count == 0 {
                lastError = "\(path) is shorter than the byte range \(offset)+\(length)"
                return Int(ARCHIVE_FATAL)
            }
            position += Int64(count)
            return count
        }
    }

    /// Reads up to `buffer.count` bytes at `position` of the range, for checking headers again;
    /// returns how many, 0 at the range's end, or nil on an error.
    func bytes(at position: Int64, into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        let wanted = Int(min(Int64(buffer.count), max(0, length - position)))
        if wanted == 0 { return 0 }
        while true {
            let count = pread(fd, buffer.baseAddress, wanted, off_t(offset + position))
            if count < 0 && errno == EINTR { continue }
            return count < 0 ? nil : count
        }
    }

    fileprivate func skip(_ request: Int64) -> Int64 {
        let skipped = max(0, min(request, length - position))
        position += skipped
        return skipped
    }

    fileprivate func seek(_ target: Int64, _ whence: Int32) -> Int64 {
        let base: Int64
        switch whence {
        case SEEK_SET: base = 0
        case SEEK_CUR: base = position
        case SEEK_END: base = length
        default: return Int64(ARCHIVE_FATAL)
        }
        let (next, overflow) = base.addingReportingOverflow(target)
        guard !overflow, next >= 0, next <= length else { return Int64(ARCHIVE_FATAL) }
        position = next
        return next
    }
}

private func rangeInput(_ context: UnsafeMutableRawPointer?) -> FileRangeInput? {
    guard let context else { return nil }
    return Unmanaged<FileRangeInput>.fromOpaque(context).takeUnretainedValue()
}

private func rangeRead(
    _ archive: OpaquePointer?, _ context: UnsafeMutableRawPointer?, _ out: UnsafeMutablePointer<UnsafeRawPointer?>?
) -> la_ssize_t {
    guard let input = rangeInput(context) else { return la_ssize_t(ARCHIVE_FATAL) }
    return la_ssize_t(input.read(out))
}

private func rangeSkip(_ archive: OpaquePointer?, _ context: UnsafeMutableRawPointer?, _ request: la_int64_t)
    -> la_int64_t
{
    guard let input = rangeInput(context) else { return 0 }
    return la_int64_t(input.skip(Int64(request)))
}

private func rangeSeek(
    _ archive: OpaquePointer?, _ context: UnsafeMutableRawPointer?, _ offset: la_int64_t, _ whence: Int32
) -> la_int64_t {
    guard let input = rangeInput(context) else { return la_int64_t(ARCHIVE_FATAL) }
    return la_int64_t(input.seek(Int64(offset), whence))
}

/// Whether `path` names a regular file (following symbolic links, as opening it does).
func isRegularFile(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG
}

/// The C library's text for an errno value.
func systemMessage(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "error \(code)" }
    return String(cString: text)
}
