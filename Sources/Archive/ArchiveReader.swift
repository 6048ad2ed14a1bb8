// Sequential reading of the archive formats slipway meets (tar in all its dialects, ar, cpio, zip)
// through the compression filters it meets (gzip, xz, lzma, zstd, bzip2, lz4), from a file, a byte
// range of a file, or memory.
//
// Input is untrusted. Only formats and filters that libarchive decodes in-process are enabled:
// `archive_read_support_format_all` would also enable mtree, whose reader opens host files named
// inside the archive, and `archive_read_support_filter_all` would enable filters (lrzip, lzop, grzip)
// that run external programs on the input. Where libarchive is more lenient than Go's archive/tar
// (which the OCI unpackers use), each tar member's extended headers are checked again
// (TarHeaderChain); xz is decoded with a bound on the decoder's memory (XZDecoder). How the bytes
// reach the format reader for that is in ArchiveReader+Open.
internal import CArchive

/// Reads an archive member by member. Call `next()` for each header, then optionally read the
/// member's data (`read(into:)`, `forEachChunk`, `forEachBlock`, `readAll`) before the next `next()`;
/// unread data is skipped.
///
/// A reader is not thread-safe; use each one from one thread at a time.
public final class ArchiveReader {
    let handle: OpaquePointer
    let label: String
    /// The input libarchive reads from, kept alive (and freed) by this object.
    let input: ReaderInput
    private(set) var current: String = ""
    /// The current member's header; libarchive owns it and reuses it at the next `next()`.
    private var currentEntry: OpaquePointer?
    /// Whether any data of the current member was consumed (which moves libarchive's position).
    private var dataTouched = false
    /// A descriptor of the archive file for reading its headers again, opened when first needed.
    var rereadDescriptor: Int32 = -1

    /// Opens the archive file at `path`. `label` names it in errors (defaults to the path).
    public init(path: String, label: String? = nil) throws {
        let label = label ?? path
        self.label = label
        let regular = isRegularFile(path)
        (handle, input) = try Self.openFormatHandle(label: label, positional: regular) {
            .file(path: path, regular: regular)
        }
    }

    /// Reads an archive held in memory (an ar member, a test fixture). The bytes are copied into a
    /// buffer this reader owns, so the caller's array may change or go away.
    public init(bytes: [UInt8], label: String) throws {
        self.label = label
        let copy = MemoryInput(copying: bytes)
        (handle, input) = try Self.openFormatHandle(label: label, positional: true) { .memory(copy) }
    }

    /// Reads the archive stored in `length` bytes of the file at `path` starting at `offset`: a
    /// member of an uncompressed outer archive (a layer inside a `docker save` tar). Reading never
    /// goes past the range, so a truncated inner archive fails instead of reading its neighbours.
    public init(path: String, offset: Int64, length: Int64, label: String? = nil) throws {
        let label = label ?? "\(path)@\(offset)"
        self.label = label
        let first = try FileRangeInput(path: path, offset: offset, length: length, label: label)
        var made = false
        (handle, input) = try Self.openFormatHandle(label: label, positional: first.regular) {
            // A second opening (of a compressed range) needs a fresh position.
            if !made {
                made = true
                return .range(first)
            }
            return .range(try FileRangeInput(path: path, offset: offset, length: length, label: label))
        }
    }

    /// Reads the archive stored in the current member of `outer` (a compressed layer inside a
    /// compressed `docker save` archive, data.tar.xz inside a .deb) as a stream, without holding the
    /// member in memory. `outer` must not be advanced while this reader is in use.
    public init(currentMemberOf outer: ArchiveReader, label: String) throws {
        self.label = label
        let nested = NestedInput(outer: outer)
        (handle, input) = try Self.openFormatHandle(label: label, positional: false) { .nested(nested) }
    }

    deinit {
        archive_read_free(handle)
        if rereadDescriptor >= 0 { close(rereadDescriptor) }
    }

    /// A handle for the formats slipway reads, without filters.
    static func makeHandle(label: String) throws -> OpaquePointer {
        guard let handle = archive_read_new() else {
            throw ArchiveError(archive: label, operation: "open", message: "out of memory")
        }
        archive_read_support_format_tar(handle)
        archive_read_support_format_ar(handle)
        archive_read_support_format_cpio(handle)
        archive_read_support_format_zip(handle)
        return handle
    }

    /// Enables the compression filters slipway reads on `handle`.
    static func supportFilters(_ handle: OpaquePointer) {
        archive_read_support_filter_gzip(handle)
        archive_read_support_filter_xz(handle)
        archive_read_support_filter_lzma(handle)
        archive_read_support_filter_zstd(handle)
        archive_read_support_filter_bzip2(handle)
        archive_read_support_filter_lz4(handle)
    }

    /// The next member's header, or nil at the end of the archive.
    public func next() throws -> ArchiveEntry? {
        // Skipping the rest of the member here, as libarchive would first thing in
        // archive_read_next_header, puts the position at the next member's first header.
        if currentEntry != nil {
            currentEntry = nil
            if archive_read_data_skip(handle) < ARCHIVE_WARN { throw failure("read header after \(current)") }
        }
        let start = archive_filter_bytes(handle, 0)
        if case .stacked(let stacked) = input { stacked.arm(at: start) }
        var entry: OpaquePointer?
        let status = archive_read_next_header(handle, &entry)
        let chain: TarHeaderChain?? = if case .stacked(let stacked) = input { .some(stacked.disarm()) } else { nil }
        dataTouched = false
        if status == ARCHIVE_EOF { return nil }
        guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry else {
            throw failure(current.isEmpty ? "read first header" : "read header after \(current)")
        }
        let converted = try ArchiveEntry(libarchive: entry, archive: label, after: current)
        current = converted.path
        currentEntry = entry
        try checkHeaders(from: start, to: archive_filter_bytes(handle, 0), followed: chain)
        return converted
    }

    /// Reads up to `buffer.count` bytes of the current member's data; returns 0 at its end.
    /// Holes of sparse members read as zeros.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        dataTouched = true
        let count = archive_read_data(handle, buffer.baseAddress, buffer.count)
        if count < 0 { throw failure("read data of \(current)") }
        return count
    }

    /// Calls `body` with successive chunks of the current member's data (holes read as zeros).
    public func forEachChunk(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { chunk.deallocate() }
        while true {
            let count = try read(into: chunk)
            if count == 0 { return }
            try body(UnsafeRawBufferPointer(rebasing: chunk[0..<count]))
        }
    }

    /// Calls `body` with each stored block of the current member's data and the block's offset in
    /// the member, without copying (`archive_read_data_block`). The holes of a sparse member are
    /// not passed: offsets jump over them, and a hole at the end leaves the last block short of the
    /// member's size. The buffer is libarchive's and valid only during the call.
    public func forEachBlock(_ body: (_ offset: Int64, _ bytes: UnsafeRawBufferPointer) throws -> Void) throws {
        dataTouched = true
        while true {
            var block: UnsafeRawPointer?
            var size = 0
            var offset: la_int64_t = 0
            let status = archive_read_data_block(handle, &block, &size, &offset)
            if status == ARCHIVE_EOF { return }
            guard status == ARCHIVE_OK || status == ARCHIVE_WARN else { throw failure("read data of \(current)") }
            guard size > 0, let block else { continue }
            try body(Int64(offset), UnsafeRawBufferPointer(start: block, count: size))
        }
    }

    /// The whole data of the current member. `limit` guards against hostile sizes.
    public func readAll(limit: Int = 1 << 30) throws -> [UInt8] {
        var bytes: [UInt8] = []
        try forEachChunk { chunk in
            guard bytes.count + chunk.count <= limit else {
                throw ArchiveError(
                    archive: label, operation: "read data of \(current)", message: "larger than \(limit) bytes")
            }
            bytes.append(contentsOf: chunk)
        }
        return bytes
    }

    /// Where the current member's data lies, unchanged and contiguous, in a host file: set for a
    /// regular, non-sparse member of an uncompressed tar read from a file or a file range, so its
    /// bytes can be referenced in place instead of copied. nil for compressed or in-memory input,
    /// input that is not a regular file (a pipe), other formats, sparse members, and once any of
    /// the member's data has been read.
    /// The range is `offset ..< offset + entry.size` of `path`.
    public var currentDataLocation: (path: String, offset: Int64)? {
        guard let entry = currentEntry, !dataTouched else { return nil }
        guard archive_entry_hardlink(entry) == nil, archive_entry_filetype(entry) == UInt32(0o100000),
            archive_entry_sparse_count(entry) == 0
        else { return nil }
        guard archive_format(handle) & ARCHIVE_FORMAT_BASE_MASK == ARCHIVE_FORMAT_TAR,
            archive_filter_count(handle) == 1, archive_filter_code(handle, 0) == ARCHIVE_FILTER_NONE
        else { return nil }
        // Right after a tar header, the format layer has consumed exactly the header blocks (and any
        // pax or GNU long-name blocks before them), so its position is the data's offset.
        let position = Int64(archive_filter_bytes(handle, 0))
        switch input {
        case .file(let path, let regular): return regular ? (path, position) : nil
        case .range(let range): return range.regular ? (range.path, range.offset + position) : nil
        case .memory, .nested, .stacked: return nil
        }
    }

    func failure(_ operation: String) -> ArchiveError {
        if let message = input.lastError {
            return ArchiveError(archive: label, operation: operation, message: message)
        }
        return ArchiveError(archive: label, operation: operation, message: libarchiveMessage(handle))
    }
}

/// libarchive's message for the last error on `handle`: the one way this module reports its errors.
func libarchiveMessage(_ handle: OpaquePointer) -> String {
    if let text = archive_error_string(handle) { return String(cString: text) }
    return "libarchive error \(archive_errno(handle))"
}
