// Reading a compressed archive in two handles, so that its tar headers pass through our hands:
// `outer` only decompresses (libarchive's raw format yields the decompressed stream as one member)
// and the reader's own handle reads the archive format from what this object hands it. The
// headers of a member whose chain must be checked (TarHeaderChain) are fed to the check as they
// are handed out; nothing is copied, and skipping costs nothing more than decompressing did.
internal import CArchive

/// The decompressed bytes of a source, served to the format handle through a read callback.
final class StackedInput {
    private let outer: OpaquePointer
    /// What `outer` reads from, kept alive as long as `outer`.
    private let source: ReaderInput
    /// Our own description of the last failure, which the format handle only sees as -1.
    private(set) var lastError: String?
    private var started = false
    private var ended = false
    /// The last block handed out (libarchive's buffer inside `outer`, valid until the next read)
    /// and where it starts in the decompressed stream.
    private var block = UnsafeRawBufferPointer(start: nil, count: 0)
    private var blockStart: Int64 = 0
    /// The chain being followed while the format handle reads a member's headers.
    private var chain: TarHeaderChain?
    /// Set when the chain's first bytes were handed out before it was armed and are gone.
    private var chainMissedStart = false

    /// Opens `source` for decompression only. `label` names it in errors.
    init(source: ReaderInput, label: String) throws {
        guard let outer = archive_read_new() else {
            throw ArchiveError(archive: label, operation: "open", message: "out of memory")
        }
        self.outer = outer
        self.source = source
        ArchiveReader.supportFilters(outer)
        archive_read_support_format_raw(outer)
        if source.attach(to: outer) != ARCHIVE_OK {
            throw ArchiveError(
                archive: label, operation: "open", message: source.lastError ?? libarchiveMessage(outer))
        }
    }

    // Also runs when the initializer throws after `outer` is set.
    deinit { archive_read_free(outer) }

    /// Installs the read callback on the format handle and opens it (`archive_read_open1`).
    func attach(to handle: OpaquePointer) -> Int32 {
        archive_read_set_callback_data(handle, Unmanaged.passUnretained(self).toOpaque())
        archive_read_set_read_callback(handle, stackedRead)
        return archive_read_open1(handle)
    }

    /// Starts following a header chain at `start`, the format handle's position before it reads
    /// the next header. The unread rest of the last block is the chain's beginning.
    func arm(at start: Int64) {
        chain = TarHeaderChain()
        chainMissedStart = start < blockStart
        let from = Int(start - blockStart)
        guard !chainMissedStart, from < block.count else { return }
        chain?.feed(UnsafeRawBufferPointer(rebasing: block[from...]))
    }

    /// Stops following the chain; returns it, or nil when its beginning was missed.
    func disarm() -> TarHeaderChain? {
        defer { chain = nil }
        return chainMissedStart ? nil : chain
    }

    fileprivate func read(_ out: UnsafeMutablePointer<UnsafeRawPointer?>?) -> Int {
        if ended { return 0 }
        if !started {
            started = true
            var entry: OpaquePointer?
            let status = archive_read_next_header(outer, &entry)
            if status == ARCHIVE_EOF {
                ended = true
                return 0
            }
            guard status >= ARCHIVE_WARN else { return fail() }
        }
        while true {
            var pointer: UnsafeRawPointer?
            var size = 0
            var offset: la_int64_t = 0
            let status = archive_read_data_block(outer, &pointer, &size, &offset)
            if status == ARCHIVE_EOF {
                ended = true
                return 0
            }
            guard status >= ARCHIVE_WARN else { return fail() }
            guard size > 0, let pointer else { continue }
            blockStart += Int64(block.count)
            block = UnsafeRawBufferPointer(start: pointer, count: size)
            chain?.feed(block)
            out?.pointee = pointer
            return size
        }
    }

    private func fail() -> Int {
        lastError = source.lastError ?? libarchiveMessage(outer)
        return Int(ARCHIVE_FATAL)
    }
}

private func stackedRead(
    _ archive: OpaquePointer?, _ context: UnsafeMutableRawPointer?, _ out: UnsafeMutablePointer<UnsafeRawPointer?>?
) -> la_ssize_t {
    guard let context else { return la_ssize_t(ARCHIVE_FATAL) }
    return la_ssize_t(Unmanaged<StackedInput>.fromOpaque(context).takeUnretainedValue().read(out))
}
