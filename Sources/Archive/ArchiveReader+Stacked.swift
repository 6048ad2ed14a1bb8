// Reading a compressed archive in two stages, so that its tar headers pass through our hands: a
// decompressor (libarchive's filters under its raw format, which yields the decompressed stream as
// one member, or XZDecoder) and the reader's own handle, which reads the archive format from what
// this object hands it. The
// headers of a member whose chain must be checked (TarHeaderChain) are fed to the check as they
// are handed out; nothing is copied, and skipping costs nothing more than decompressing did.
internal import CArchive

/// The decompressed bytes of a source, served to the format handle through a read callback.
final class StackedInput {
    private enum Decompressor {
        /// libarchive's filters under its raw format, reading from an input kept alive with it.
        case libarchive(OpaquePointer, input: Any, lastError: () -> String?)
        case xz(XZDecoder)
    }

    private let decompressor: Decompressor
    /// Our own description of the last failure, which the format handle only sees as -1.
    private(set) var lastError: String?
    private var started = false
    private var ended = false
    /// The last block handed out (valid until the next read) and where it starts in the
    /// decompressed stream.
    private var block = UnsafeRawBufferPointer(start: nil, count: 0)
    private var blockStart: Int64 = 0
    /// The chain being followed while the format handle reads a member's headers.
    private var chain: TarHeaderChain?
    /// Set when the chain's first bytes were handed out before it was armed and are gone.
    private var chainMissedStart = false

    /// Decompresses with libarchive what `attach` opens a handle on. `input` is kept alive as long
    /// as the handle; `lastError` describes a failure of it. `label` names the input in errors.
    init(label: String, input: Any, attach: (OpaquePointer) -> Int32, lastError: @escaping () -> String?) throws {
        guard let outer = archive_read_new() else {
            throw ArchiveError(archive: label, operation: "open", message: "out of memory")
        }
        ArchiveReader.supportFilters(outer)
        archive_read_support_format_raw(outer)
        guard attach(outer) == ARCHIVE_OK else {
            let error = ArchiveError(
                archive: label, operation: "open", message: lastError() ?? libarchiveMessage(outer))
            archive_read_free(outer)
            throw error
        }
        decompressor = .libarchive(outer, input: input, lastError: lastError)
    }

    /// Decompresses .xz data with a bound on the decoder's memory (see `XZDecoder`).
    init(xz source: any ByteStream, label: String) throws {
        do {
            decompressor = .xz(try XZDecoder(source: source))
        } catch {
            throw ArchiveError(archive: label, operation: "open", message: "\(error)")
        }
    }

    deinit {
        if case .libarchive(let outer, _, _) = decompressor { archive_read_free(outer) }
    }

    /// The compression filters libarchive found, outermost last (`archive_filter_code`), or [] when
    /// slipway decompresses itself.
    var libarchiveFilters: [Int32] {
        guard case .libarchive(let outer, _, _) = decompressor else { return [] }
        return (0..<archive_filter_count(outer)).map { archive_filter_code(outer, $0) }
    }

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
        do {
            let next = try nextBlock()
            if next.isEmpty {
                ended = true
                return 0
            }
            blockStart += Int64(block.count)
            block = next
            chain?.feed(block)
            out?.pointee = next.baseAddress
            return next.count
        } catch {
            lastError = "\(error)"
            return Int(ARCHIVE_FATAL)
        }
    }

    /// The next decompressed bytes, none at the end.
    private func nextBlock() throws -> UnsafeRawBufferPointer {
        switch decompressor {
        case .xz(let decoder):
            return try decoder.nextBlock()
        case .libarchive(let outer, _, let inputError):
            func failure() -> StreamFailure { StreamFailure(message: inputError() ?? libarchiveMessage(outer)) }
            if !started {
                started = true
                var entry: OpaquePointer?
                let status = archive_read_next_header(outer, &entry)
                if status == ARCHIVE_EOF { return UnsafeRawBufferPointer(start: nil, count: 0) }
                guard status >= ARCHIVE_WARN else { throw failure() }
            }
            while true {
                var pointer: UnsafeRawPointer?
                var size = 0
                var offset: la_int64_t = 0
                let status = archive_read_data_block(outer, &pointer, &size, &offset)
                if status == ARCHIVE_EOF { return UnsafeRawBufferPointer(start: nil, count: 0) }
                guard status >= ARCHIVE_WARN else { throw failure() }
                if size > 0, let pointer { return UnsafeRawBufferPointer(start: pointer, count: size) }
            }
        }
    }
}

private func stackedRead(
    _ archive: OpaquePointer?, _ context: UnsafeMutableRawPointer?, _ out: UnsafeMutablePointer<UnsafeRawPointer?>?
) -> la_ssize_t {
    guard let context else { return la_ssize_t(ARCHIVE_FATAL) }
    return la_ssize_t(Unmanaged<StackedInput>.fromOpaque(context).takeUnretainedValue().read(out))
}
