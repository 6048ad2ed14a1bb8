// One compressed stream that is not an archive: a kernel module shipped as foo.ko.xz or foo.ko.zst.
// libarchive reads it with its "raw" format, which yields the decompressed bytes as a single member.
internal import CArchive

/// Decompression of a single gzip, xz, zstd (or any libarchive filter's) stream held in memory.
public enum CompressedStream {
    /// The decompressed bytes of `bytes`. Uncompressed input is returned as it is.
    /// `label` names the stream in errors; `limit` guards against decompression bombs.
    public static func decompress(_ bytes: [UInt8], label: String, limit: Int = 1 << 30) throws -> [UInt8] {
        guard let handle = archive_read_new() else {
            throw ArchiveError(archive: label, operation: "open", message: "out of memory")
        }
        defer { archive_read_free(handle) }
        archive_read_support_filter_all(handle)
        archive_read_support_format_raw(handle)
        let opened = bytes.withUnsafeBytes { archive_read_open_memory(handle, $0.baseAddress, $0.count) }
        guard opened == ARCHIVE_OK else {
            throw ArchiveError(archive: label, operation: "open", message: libarchiveMessage(handle))
        }
        var entry: OpaquePointer?
        guard archive_read_next_header(handle, &entry) >= ARCHIVE_WARN else {
            throw ArchiveError(archive: label, operation: "read", message: libarchiveMessage(handle))
        }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { archive_read_data(handle, $0.baseAddress, $0.count) }
            if count < 0 {
                throw ArchiveError(archive: label, operation: "decompress", message: libarchiveMessage(handle))
            }
            if count == 0 { return output }
            guard output.count + count <= limit else {
                throw ArchiveError(archive: label, operation: "decompress", message: "larger than \(limit) bytes")
            }
            output.append(contentsOf: chunk[0..<count])
        }
    }
}
