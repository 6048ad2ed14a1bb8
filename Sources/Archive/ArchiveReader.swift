// Sequential reading of any archive libarchive understands (tar in all its dialects, ar, cpio, zip)
// through any compression filter it understands (gzip, xz, zstd, bzip2, lz4), from a file or memory.
internal import CArchive

/// Reads an archive member by member. Call `next()` for each header, then optionally `read(_:)` the
/// member's data in chunks before the next `next()`; unread data is skipped.
public final class ArchiveReader {
    private let handle: OpaquePointer
    private let label: String
    /// Keeps in-memory input alive for as long as libarchive reads it.
    private var backing: [UInt8]?
    private var current: String = ""

    /// Opens the archive file at `path`. `label` names it in errors (defaults to the path).
    public init(path: String, label: String? = nil) throws {
        self.label = label ?? path
        guard let handle = archive_read_new() else {
            throw ArchiveError(archive: self.label, operation: "open", message: "out of memory")
        }
        self.handle = handle
        archive_read_support_filter_all(handle)
        archive_read_support_format_all(handle)
        if archive_read_open_filename(handle, path, 1 << 20) != ARCHIVE_OK {
            let error = failure("open")
            archive_read_free(handle)
            throw error
        }
    }

    /// Reads an archive held in memory (an ar member, a test fixture).
    public init(bytes: [UInt8], label: String) throws {
        self.label = label
        guard let handle = archive_read_new() else {
            throw ArchiveError(archive: label, operation: "open", message: "out of memory")
        }
        self.handle = handle
        backing = bytes
        archive_read_support_filter_all(handle)
        archive_read_support_format_all(handle)
        let status = backing!.withUnsafeBytes { buffer in
            archive_read_open_memory(handle, buffer.baseAddress, buffer.count)
        }
        if status != ARCHIVE_OK {
            let error = failure("open")
            archive_read_free(handle)
            throw error
        }
    }

    deinit { archive_read_free(handle) }

    /// The next member's header, or nil at the end of the archive.
    public func next() throws -> ArchiveEntry? {
        var entry: OpaquePointer?
        let status = archive_read_next_header(handle, &entry)
        if status == ARCHIVE_EOF { return nil }
        guard status >= ARCHIVE_WARN, let entry else { throw failure("read header after \(current)") }
        let converted = ArchiveEntry(libarchive: entry)
        current = converted.path
        return converted
    }

    /// Reads up to `buffer.count` bytes of the current member's data; returns 0 at its end.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = archive_read_data(handle, buffer.baseAddress, buffer.count)
        if count < 0 { throw failure("read data of \(current)") }
        return count
    }

    /// Calls `body` with successive chunks of the current member's data.
    public func forEachChunk(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        try chunk.withUnsafeMutableBytes { buffer in
            while true {
                let count = try read(into: buffer)
                if count == 0 { return }
                try body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            }
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

    private func failure(_ operation: String) -> ArchiveError {
        ArchiveError(archive: label, operation: operation, message: libarchiveMessage(handle))
    }
}

/// libarchive's message for the last error on `handle`: the one way this module reports its errors.
func libarchiveMessage(_ handle: OpaquePointer) -> String {
    if let text = archive_error_string(handle) { return String(cString: text) }
    return "libarchive error \(archive_errno(handle))"
}

extension ArchiveEntry {
    init(libarchive entry: OpaquePointer) {
        let path = archive_entry_pathname(entry).map { String(cString: $0) } ?? ""
        let mode = archive_entry_filetype(entry)
        let hardlink = archive_entry_hardlink(entry).map { String(cString: $0) }
        let type: EntryType
        if hardlink != nil {
            type = .hardlink
        } else {
            switch mode & UInt32(0o170000) {
            case UInt32(0o040000): type = .directory
            case UInt32(0o120000): type = .symlink
            case UInt32(0o020000): type = .characterDevice
            case UInt32(0o060000): type = .blockDevice
            case UInt32(0o010000): type = .fifo
            case UInt32(0o140000): type = .socket
            default: type = .regular
            }
        }
        let symlink = archive_entry_symlink(entry).map { String(cString: $0) }
        self.init(
            path: path, type: type, permissions: UInt16(archive_entry_perm(entry) & 0o7777),
            uid: UInt32(truncatingIfNeeded: archive_entry_uid(entry)),
            gid: UInt32(truncatingIfNeeded: archive_entry_gid(entry)),
            modificationTime: Int64(archive_entry_mtime(entry)),
            size: type == .regular ? Int64(archive_entry_size(entry)) : 0,
            linkTarget: type == .hardlink ? hardlink : (type == .symlink ? symlink : nil),
            deviceMajor: UInt32(truncatingIfNeeded: archive_entry_rdevmajor(entry)),
            deviceMinor: UInt32(truncatingIfNeeded: archive_entry_rdevminor(entry)))
        var pairs: [(name: String, value: [UInt8])] = []
        archive_entry_xattr_reset(entry)
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK {
            guard let name else { continue }
            let bytes = value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
            pairs.append((String(cString: name), bytes))
        }
        xattrs = pairs
    }
}
