// Copies a file leaving its runs of zeros as holes: root images are mostly free space, which the
// ext4 writer leaves unallocated, and a plain copy would allocate all of it.
import Foundation

enum SparseCopy {
    /// Copies `source` to `destination` (replacing it), writing only blocks that hold data.
    static func copy(from source: String, to destination: String) throws {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw failure("open \(source)") }
        defer { close(input) }
        unlink(destination)
        let output = open(destination, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw failure("create \(destination)") }
        var closed = false
        defer { if !closed { close(output) } }
        let chunk = 1 << 20, block = 4096
        var buffer = [UInt8](repeating: 0, count: chunk)
        var offset: off_t = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, chunk) }
            guard count >= 0 else { throw failure("read \(source)") }
            if count == 0 { break }
            try buffer.withUnsafeBytes { bytes in
                var start = 0
                while start < count {
                    let end = min(start + block, count)
                    let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
                    if slice.contains(where: { $0 != 0 }) {
                        guard pwrite(output, slice.baseAddress, slice.count, offset + off_t(start)) == slice.count
                        else { throw failure("write \(destination)") }
                    }
                    start = end
                }
            }
            offset += off_t(count)
        }
        guard ftruncate(output, offset) == 0 else { throw failure("size \(destination)") }
        closed = true
        guard close(output) == 0 else { throw failure("close \(destination)") }
    }

    private static func failure(_ what: String) -> CocoaError {
        CocoaError(
            .fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "\(what): \(String(cString: strerror(errno)))"])
    }
}
