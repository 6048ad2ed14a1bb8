// Where decompressed file contents go: one append-only spill file in a directory the caller names
// (the output directory, so it is on the disk the image is written to). Layers are read
// concurrently, each through its own ContentWriter; the store only hands out byte ranges, so the
// writers never wait for each other except for one counter under a lock.
import Foundation
import TemporaryFiles

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// An append-only file that holds the contents of regular files read from compressed layers.
/// Tree nodes point into it with `FileContent.file(path: store.path, offset:, length:)`, so it must
/// stay in place until the image has been written; it is removed by `remove()` or when the store is
/// released. Ranges never written (holes of sparse files) read as zeros.
public final class ContentStore: @unchecked Sendable {
    /// The spill file's path.
    public let path: String
    /// The most bytes the store hands out in total (see `RootfsLimits.maximumContentBytes`).
    public let limit: Int64
    private let fd: Int32
    private let lock = NSLock()
    private var reserved: Int64 = 0
    private var removed = false

    /// Creates a fresh spill file named `.slipway-content-XXXXXX` in `directory`, registered with
    /// `TemporaryRegistry.shared` so that an interrupted build removes it.
    public init(directory: String, limit: Int64 = RootfsLimits.default.maximumContentBytes) throws {
        var template = Array((absolutePath(directory) + "/\(TemporaryNames.contentStore)XXXXXX").utf8CString)
        var fd: Int32 = -1
        let made = TemporaryRegistry.shared.create {
            fd = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.map { mkstemp($0) } ?? -1 }
            return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        guard fd >= 0 else {
            let message = errnoText()
            TemporaryRegistry.shared.unregister(made)
            throw RootfsError(
                layer: "content store", rule: .io(operation: "create a file in", path: directory, message: message))
        }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        self.fd = fd
        self.limit = limit
        path = made
    }

    deinit {
        close(fd)
        remove()
    }

    /// Deletes the spill file. Call it once the image is written: contents that point into the
    /// store cannot be read afterwards.
    public func remove() {
        lock.withLock {
            if !removed {
                unlink(path)
                TemporaryRegistry.shared.unregister(path)
            }
            removed = true
        }
    }

    /// The bytes handed out so far (an upper bound of the file's size).
    public var reservedBytes: Int64 { lock.withLock { reserved } }

    /// Stores `bytes` (generated content) and returns where they are.
    public func append(_ bytes: [UInt8]) throws -> FileContent {
        if bytes.isEmpty { return .empty }
        let offset = try reserve(Int64(bytes.count), layer: "content store", entry: nil)
        try bytes.withUnsafeBytes { try write($0, at: offset, layer: "content store", entry: nil) }
        return .file(path: path, offset: offset, length: Int64(bytes.count))
    }

    /// Hands out `count` bytes at the end of the file.
    func reserve(_ count: Int64, layer: String, entry: String?) throws -> Int64 {
        try lock.withLock {
            guard count >= 0, count <= limit - reserved else {
                throw RootfsError(layer: layer, entry: entry, rule: .contentLimit(limit: limit))
            }
            defer { reserved += count }
            return reserved
        }
    }

    /// Writes `bytes` at `offset` (`pwrite`, safe to call from several threads for disjoint ranges).
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64, layer: String, entry: String?) throws {
        var done = 0
        while done < bytes.count {
            guard let base = bytes.baseAddress else { return }
            let count = pwrite(fd, base + done, bytes.count - done, off_t(offset + Int64(done)))
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                throw RootfsError(
                    layer: layer, entry: entry, rule: .io(operation: "write", path: path, message: errnoText()))
            }
            done += count
        }
    }
}

/// The text of the current `errno`.
func errnoText(_ code: Int32 = errno) -> String {
    guard let text = strerror(code) else { return "error \(code)" }
    return String(cString: text)
}
