// Writing tar (pax) and cpio newc archives through libarchive, optionally gzip or zstd compressed,
// byte for byte reproducibly: members appear in the order they are written, with exactly the header
// fields of their `ArchiveEntry` (no atime or ctime, no user or group names looked up on this machine),
// inode numbers counted 1, 2, 3... in order, and no timestamp in the compression header.
internal import CArchive
import TemporaryFiles

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The container format `ArchiveWriter` writes.
public enum ArchiveFormat: Sendable, Hashable {
    /// POSIX pax tar (libarchive's "restricted pax": plain ustar headers unless a member needs an
    /// extended header for a long name, a large number or extended attributes). For layers and tests.
    case paxTar
    /// SVR4 "newc" cpio without CRC: the format the Linux kernel unpacks as an initramfs.
    case cpioNewc
}

/// The compression filter applied to the whole archive stream.
public enum ArchiveCompression: String, Sendable, Hashable, CaseIterable {
    case none
    case gzip
    case zstd
}

/// Writes an archive member by member, to a file (which appears atomically on `close()`) or to memory.
///
/// ```swift
/// let writer = try ArchiveWriter(path: "initrd.img", format: .cpioNewc, compression: .zstd)
/// try writer.write(ArchiveEntry(path: "init", type: .regular, permissions: 0o755), contentsOf: "/build/init")
/// try writer.close()
/// ```
///
/// Regular members need their data: `write(_:bytes:)` or `write(_:contentsOf:offset:length:)` set the
/// entry's size from the data given. Other members are written with `write(_:)`.
public final class ArchiveWriter {
    private let handle: OpaquePointer
    private let label: String
    private let format: ArchiveFormat
    /// Where a file output is written until `close()` renames it to `destination`.
    private let partialPath: String?
    private let destination: String?
    private let sink: MemorySink?
    private var nextInode: Int64 = 1
    private var closed = false

    /// Opens `path` for writing. The archive is written beside it and renamed into place by `close()`;
    /// if the writer is released without a successful `close()`, nothing appears at `path`.
    public init(path: String, format: ArchiveFormat, compression: ArchiveCompression = .none) throws {
        label = path
        self.format = format
        destination = path
        let partialPath = "\(path)\(TemporaryNames.partial)\(getpid())"
        self.partialPath = partialPath
        sink = nil
        let handle = try Self.makeHandle(label: path, format: format, compression: compression)
        self.handle = handle
        // Created and registered together, so that an interrupted build removes it. Every property
        // is set by now, so a throw runs deinit, which frees the handle.
        _ = try TemporaryRegistry.shared.create {
            if archive_write_open_filename(handle, partialPath) != ARCHIVE_OK {
                throw ArchiveError(archive: path, operation: "create", message: libarchiveMessage(handle))
            }
            return partialPath
        }
    }

    /// Writes into memory; `close()` returns the archive's bytes. `label` names the archive in errors.
    public init(format: ArchiveFormat, compression: ArchiveCompression = .none, label: String = "archive") throws {
        self.label = label
        self.format = format
        destination = nil
        partialPath = nil
        let sink = MemorySink()
        self.sink = sink
        handle = try Self.makeHandle(label: label, format: format, compression: compression)
        let status = archive_write_open2(
            handle, Unmanaged.passUnretained(sink).toOpaque(), nil,
            { _, context, buffer, count in
                guard let context, let buffer else { return 0 }
                let sink = Unmanaged<MemorySink>.fromOpaque(context).takeUnretainedValue()
                sink.bytes.append(contentsOf: UnsafeRawBufferPointer(start: buffer, count: count))
                return count
            }, nil, nil)
        if status != ARCHIVE_OK {
            // Every property is set: the throw runs deinit, which frees the handle.
            throw ArchiveError(archive: label, operation: "open", message: libarchiveMessage(handle))
        }
    }

    deinit {
        // Without a successful close() the output is incomplete: free without committing it.
        archive_write_free(handle)
        if !closed, let partialPath {
            unlink(partialPath)
            TemporaryRegistry.shared.unregister(partialPath)
        }
    }

    /// Writes a member that has no data: a directory, symlink, hard link, device node, fifo or socket
    /// (or an empty regular file).
    public func write(_ entry: ArchiveEntry) throws {
        guard entry.type != .regular || entry.size == 0 else {
            throw ArchiveError(
                archive: label, operation: "write \(entry.path)",
                message: "a regular file of \(entry.size) bytes needs its data: use write(_:bytes:)")
        }
        try writeHeader(entry, size: 0)
        try finishEntry(entry)
    }

    /// Writes a regular member whose data is `bytes` (the entry's size is taken from `bytes`).
    public func write(_ entry: ArchiveEntry, bytes: [UInt8]) throws {
        try requireRegular(entry)
        try writeHeader(entry, size: Int64(bytes.count))
        try bytes.withUnsafeBytes { try writeData($0, of: entry) }
        try finishEntry(entry)
    }

    /// Writes a regular member whose data is read from the host file `hostPath`: `length` bytes from
    /// `offset`, or the whole file when `length` is nil. The file is streamed, never held in memory.
    public func write(_ entry: ArchiveEntry, contentsOf hostPath: String, offset: Int64 = 0, length: Int64? = nil)
        throws
    {
        try requireRegular(entry)
        let fd = open(hostPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw hostFailure(entry, hostPath, "open") }
        defer { closeDescriptor(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw hostFailure(entry, hostPath, "stat") }
        let available = Int64(status.st_size) - offset
        let count = length ?? available
        guard offset >= 0, count >= 0, count <= available else {
            throw ArchiveError(
                archive: label, operation: "write \(entry.path)",
                message:
                    "\(hostPath) has \(status.st_size) bytes, fewer than the \(count) asked for at offset \(offset)")
        }
        try writeHeader(entry, size: count)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var done: Int64 = 0
        while done < count {
            let want = Int(min(Int64(chunk.count), count - done))
            let got = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, want, off_t(offset + done)) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else {
                throw got < 0
                    ? hostFailure(entry, hostPath, "read")
                    : ArchiveError(
                        archive: label, operation: "write \(entry.path)",
                        message: "\(hostPath) ended after \(done) of \(count) bytes (did it change while writing?)")
            }
            try chunk.withUnsafeBytes { try writeData(UnsafeRawBufferPointer(rebasing: $0[0..<got]), of: entry) }
            done += Int64(got)
        }
        try finishEntry(entry)
    }

    /// Finishes the archive (trailer, compression footer). For a file output, renames it into place;
    /// for a memory output, returns the bytes (a file output returns an empty array).
    @discardableResult
    public func close() throws -> [UInt8] {
        guard !closed else {
            throw ArchiveError(archive: label, operation: "close", message: "the archive is already closed")
        }
        if archive_write_close(handle) != ARCHIVE_OK {
            throw ArchiveError(archive: label, operation: "close", message: libarchiveMessage(handle))
        }
        if let partialPath, let destination {
            guard rename(partialPath, destination) == 0 else {
                let message = String(cString: strerror(errno))
                unlink(partialPath)
                TemporaryRegistry.shared.unregister(partialPath)
                throw ArchiveError(archive: label, operation: "rename \(partialPath) into place", message: message)
            }
            TemporaryRegistry.shared.unregister(partialPath)
        }
        closed = true
        return sink?.bytes ?? []
    }

    // MARK: - Internals

    private static func makeHandle(label: String, format: ArchiveFormat, compression: ArchiveCompression) throws
        -> OpaquePointer
    {
        guard let handle = archive_write_new() else {
            throw ArchiveError(archive: label, operation: "open", message: "out of memory")
        }
        var status: Int32
        switch format {
        case .paxTar:
            status = archive_write_set_format_pax_restricted(handle)
            // Extended attributes once, as SCHILY.xattr.* (what GNU tar and Go's archive/tar read),
            // not also as LIBARCHIVE.xattr.*, which readers would report twice.
            if status == ARCHIVE_OK { status = archive_write_set_format_option(handle, "pax", "xattrheader", "SCHILY") }
        case .cpioNewc: status = archive_write_set_format_cpio_newc(handle)
        }
        if status == ARCHIVE_OK {
            switch compression {
            case .none: status = archive_write_add_filter_none(handle)
            case .gzip:
                status = archive_write_add_filter_gzip(handle)
                // gzip headers carry the time of writing unless told not to.
                if status == ARCHIVE_OK { status = archive_write_set_filter_option(handle, "gzip", "timestamp", nil) }
            case .zstd: status = archive_write_add_filter_zstd(handle)
            }
        }
        // No padding to 10 KiB records: the output ends where the format's trailer ends.
        if status == ARCHIVE_OK { status = archive_write_set_bytes_in_last_block(handle, 1) }
        if status != ARCHIVE_OK {
            let error = ArchiveError(
                archive: label, operation: "set up \(format) with \(compression)", message: libarchiveMessage(handle))
            archive_write_free(handle)
            throw error
        }
        return handle
    }

    private func requireRegular(_ entry: ArchiveEntry) throws {
        guard entry.type == .regular else {
            throw ArchiveError(
                archive: label, operation: "write \(entry.path)",
                message: "only regular files have data; write a \(entry.type) member with write(_:)")
        }
    }

    private func writeHeader(_ entry: ArchiveEntry, size: Int64) throws {
        guard !closed else {
            throw ArchiveError(archive: label, operation: "write \(entry.path)", message: "the archive is closed")
        }
        if format == .cpioNewc {
            // newc keeps hard links by inode number and puts the data on the last link, which the
            // kernel's initramfs unpacker does not expect; nor does it have a place for xattrs.
            if entry.type == .hardlink {
                throw ArchiveError(
                    archive: label, operation: "write \(entry.path)",
                    message: "cpio newc output does not take hard links; write a symlink or a copy")
            }
            if !entry.xattrStorage.isEmpty {
                throw ArchiveError(
                    archive: label, operation: "write \(entry.path)",
                    message: "cpio newc cannot store extended attributes (\(entry.xattrStorage[0].name))")
            }
        }
        guard let native = archive_entry_new() else {
            throw ArchiveError(archive: label, operation: "write \(entry.path)", message: "out of memory")
        }
        defer { archive_entry_free(native) }
        entry.fill(native, size: size, inode: nextInode)
        nextInode += 1
        let status = archive_write_header(handle, native)
        // A warning still wrote the header; anything worse did not.
        if status < ARCHIVE_WARN {
            throw ArchiveError(
                archive: label, operation: "write header of \(entry.path)", message: libarchiveMessage(handle))
        }
    }

    private func writeData(_ buffer: UnsafeRawBufferPointer, of entry: ArchiveEntry) throws {
        var rest = buffer
        while !rest.isEmpty {
            let written = archive_write_data(handle, rest.baseAddress, rest.count)
            guard written > 0 else {
                throw ArchiveError(
                    archive: label, operation: "write data of \(entry.path)", message: libarchiveMessage(handle))
            }
            rest = UnsafeRawBufferPointer(rebasing: rest[written...])
        }
    }

    private func finishEntry(_ entry: ArchiveEntry) throws {
        if archive_write_finish_entry(handle) < ARCHIVE_WARN {
            throw ArchiveError(archive: label, operation: "finish \(entry.path)", message: libarchiveMessage(handle))
        }
    }

    private func hostFailure(_ entry: ArchiveEntry, _ hostPath: String, _ call: String) -> ArchiveError {
        ArchiveError(
            archive: label, operation: "write \(entry.path) from \(hostPath)",
            message: "\(call): \(String(cString: strerror(errno)))")
    }
}

/// Collects the bytes libarchive writes to a memory output.
private final class MemorySink {
    var bytes: [UInt8] = []
}

extension ArchiveEntry {
    /// Copies this header into a libarchive entry. Only the fields we own are set, so nothing of the
    /// writing machine (atime, ctime, user names, real inode numbers) reaches the archive.
    fileprivate func fill(_ native: OpaquePointer, size: Int64, inode: Int64) {
        archive_entry_set_pathname(native, path)
        let fileType: UInt32
        switch type {
        case .regular, .hardlink: fileType = 0o100000
        case .directory: fileType = 0o040000
        case .symlink: fileType = 0o120000
        case .characterDevice: fileType = 0o020000
        case .blockDevice: fileType = 0o060000
        case .fifo: fileType = 0o010000
        case .socket: fileType = 0o140000
        }
        archive_entry_set_filetype(native, fileType)
        archive_entry_set_perm(native, mode_t(permissions & 0o7777))
        archive_entry_set_uid(native, la_int64_t(uid))
        archive_entry_set_gid(native, la_int64_t(gid))
        archive_entry_set_mtime(native, time_t(modificationTime), 0)
        archive_entry_set_ino64(native, inode)
        archive_entry_set_dev(native, 0)
        archive_entry_set_nlink(native, type == .directory ? 2 : 1)
        switch type {
        case .regular: archive_entry_set_size(native, size)
        case .symlink:
            archive_entry_set_symlink(native, linkTarget ?? "")
            archive_entry_set_size(native, 0)
        case .hardlink:
            archive_entry_set_hardlink(native, linkTarget ?? "")
            archive_entry_set_size(native, 0)
        case .characterDevice, .blockDevice:
            archive_entry_set_rdevmajor(native, dev_t(deviceMajor))
            archive_entry_set_rdevminor(native, dev_t(deviceMinor))
            archive_entry_set_size(native, 0)
        default: archive_entry_set_size(native, 0)
        }
        for pair in xattrStorage {
            pair.value.withUnsafeBytes { archive_entry_xattr_add_entry(native, pair.name, $0.baseAddress, $0.count) }
        }
    }
}

/// `close(2)`, out of reach of `ArchiveWriter.close()`'s name.
private func closeDescriptor(_ fd: Int32) { _ = close(fd) }
