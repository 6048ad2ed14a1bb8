// Reading a regular file's bytes back, for the few places that need them whole (the initramfs
// builder copying modules, tests); image writers stream ranges themselves.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

extension FileContent {
    /// The file's bytes. Fails with a `RootfsError` (layer "file content") if the range cannot be
    /// read whole or is longer than `limit`.
    public func readBytes(limit: Int64 = 1 << 30) throws -> [UInt8] {
        switch self {
        case .inline(let bytes):
            return bytes
        case .file(let path, let offset, let length):
            func failure(_ message: String) -> RootfsError {
                RootfsError(
                    layer: "file content",
                    rule: .io(operation: "read \(length) bytes at \(offset) of", path: path, message: message))
            }
            guard length >= 0, offset >= 0, length <= limit else {
                throw failure("the range is invalid or over \(limit) bytes")
            }
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw failure(errnoText()) }
            defer { close(fd) }
            var bytes = [UInt8](repeating: 0, count: Int(length))
            var done = 0
            while done < bytes.count {
                let count = bytes.withUnsafeMutableBytes { buffer in
                    pread(fd, buffer.baseAddress.map { $0 + done }, buffer.count - done, off_t(offset + Int64(done)))
                }
                if count < 0 && errno == EINTR { continue }
                if count < 0 { throw failure(errnoText()) }
                if count == 0 { throw failure("the file ends before the range does") }
                done += count
            }
            return bytes
        }
    }

    /// Calls `body` with successive chunks of the file's bytes (1 MiB at most), read with `pread`,
    /// so a large range is never held whole. Fails as `readBytes` does.
    public func forEachChunk(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        switch self {
        case .inline(let bytes):
            try bytes.withUnsafeBytes(body)
        case .file(let path, let offset, let length):
            func failure(_ message: String) -> RootfsError {
                RootfsError(
                    layer: "file content",
                    rule: .io(operation: "read \(length) bytes at \(offset) of", path: path, message: message))
            }
            guard length >= 0, offset >= 0 else { throw failure("the range is invalid") }
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw failure(errnoText()) }
            defer { close(fd) }
            let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
            defer { chunk.deallocate() }
            var done: Int64 = 0
            while done < length {
                let wanted = Int(min(Int64(chunk.count), length - done))
                let count = pread(fd, chunk.baseAddress, wanted, off_t(offset + done))
                if count < 0 && errno == EINTR { continue }
                if count < 0 { throw failure(errnoText()) }
                if count == 0 { throw failure("the file ends before the range does") }
                try body(UnsafeRawBufferPointer(rebasing: chunk[0..<count]))
                done += Int64(count)
            }
        }
    }
}
