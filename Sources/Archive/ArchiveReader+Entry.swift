// Conversion of libarchive's entry headers into ArchiveEntry values.
internal import CArchive

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension ArchiveEntry {
    /// The header of `entry`. Names that are not valid UTF-8 are rejected rather than repaired: a
    /// repaired name could silently collide with another member's.
    init(libarchive entry: OpaquePointer, archive label: String, after previous: String) throws {
        func text(_ what: String, _ raw: UnsafePointer<CChar>?, _ utf8: UnsafePointer<CChar>?) throws -> String? {
            // The raw form is the header's bytes (ustar, GNU); the UTF-8 form is what libarchive can
            // convert, and the only form left when a pax name does not fit the process's locale.
            for pointer in [raw, utf8] {
                guard let pointer else { continue }
                let bytes = UnsafeRawBufferPointer(start: pointer, count: strlen(pointer))
                if let value = String(validating: bytes, as: UTF8.self) { return value }
            }
            if raw == nil && utf8 == nil { return nil }
            throw ArchiveError(
                archive: label, operation: "read header after \(previous.isEmpty ? "the start" : previous)",
                message: "\(what) is not valid UTF-8")
        }
        let path = try text("member name", archive_entry_pathname(entry), archive_entry_pathname_utf8(entry)) ?? ""
        let hardlink = try text(
            "hard link target of \(path)", archive_entry_hardlink(entry), archive_entry_hardlink_utf8(entry))
        let type: EntryType
        if hardlink != nil {
            type = .hardlink
        } else {
            switch archive_entry_filetype(entry) & UInt32(0o170000) {
            case UInt32(0o040000): type = .directory
            case UInt32(0o120000): type = .symlink
            case UInt32(0o020000): type = .characterDevice
            case UInt32(0o060000): type = .blockDevice
            case UInt32(0o010000): type = .fifo
            case UInt32(0o140000): type = .socket
            default: type = .regular
            }
        }
        let symlink =
            type == .symlink
            ? try text("symlink target of \(path)", archive_entry_symlink(entry), archive_entry_symlink_utf8(entry))
            : nil
        self.init(
            path: path, type: type, permissions: UInt16(archive_entry_perm(entry) & 0o7777),
            uid: UInt32(truncatingIfNeeded: archive_entry_uid(entry)),
            gid: UInt32(truncatingIfNeeded: archive_entry_gid(entry)),
            modificationTime: Int64(archive_entry_mtime(entry)),
            size: type == .regular ? max(0, Int64(archive_entry_size(entry))) : 0,
            linkTarget: type == .hardlink ? hardlink : (type == .symlink ? (symlink ?? "") : nil),
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
