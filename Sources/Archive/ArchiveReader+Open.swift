// How a reader's format handle gets its bytes. An uncompressed file, range or memory is read
// directly, so its members' data can be referenced in place and its headers read again. Anything
// else is decompressed by a StackedInput: by XZDecoder for xz, whose decoder memory libarchive
// would let the data choose, and by libarchive's own filters otherwise, which keep to a few
// megabytes (gzip, bzip2, lz4) or to 128 MiB: zstd's default window limit, and the largest
// dictionary libarchive recognizes LZMA-alone data by (its header declares one size for all).
internal import CArchive

extension ArchiveReader {
    /// The .xz magic number ("\xFD7zXZ\0").
    static let xzMagic: [UInt8] = [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]

    /// The format handle over `source()`'s bytes. `positional` sources (a regular file, a range of
    /// one, memory) may be opened more than once; the others are read once, their first bytes kept
    /// to tell their compression.
    static func openFormatHandle(label: String, positional: Bool, source: () throws -> ReaderInput) throws
        -> (OpaquePointer, ReaderInput)
    {
        let stacked: StackedInput
        if positional {
            let direct = try source()
            let handle = try makeHandle(label: label)
            supportFilters(handle)
            guard direct.attach(to: handle) == ARCHIVE_OK else {
                let error = ArchiveError(
                    archive: label, operation: "open", message: direct.lastError ?? libarchiveMessage(handle))
                archive_read_free(handle)
                throw error
            }
            let filters = (0..<archive_filter_count(handle)).map { archive_filter_code(handle, $0) }
            if filters == [ARCHIVE_FILTER_NONE] { return (handle, direct) }
            archive_read_free(handle)
            if filters.dropLast().last == ARCHIVE_FILTER_XZ {
                stacked = try StackedInput(xz: try source().byteStream(label: label), label: label)
            } else {
                let input = try source()
                stacked = try StackedInput(
                    label: label, input: input, attach: input.attach(to:), lastError: { input.lastError })
            }
        } else {
            let (prefix, stream) = try PrefixedStream.peeking(16, of: try source().byteStream(label: label))
            if prefix.starts(with: xzMagic) {
                stacked = try StackedInput(xz: stream, label: label)
            } else {
                let input = StreamInput(stream)
                stacked = try StackedInput(
                    label: label, input: input, attach: input.attach(to:), lastError: { input.lastError })
            }
        }
        // xz or LZMA-alone under another compression would reach libarchive's decoders unchecked.
        let inner = stacked.libarchiveFilters.dropLast().dropLast()
        if inner.contains(ARCHIVE_FILTER_XZ) || inner.contains(ARCHIVE_FILTER_LZMA) {
            throw ArchiveError(
                archive: label, operation: "open",
                message: "xz or lzma data inside another compression is not read; compress the archive once")
        }
        let handle = try makeHandle(label: label)
        let input = ReaderInput.stacked(stacked)
        guard input.attach(to: handle) == ARCHIVE_OK else {
            let error = ArchiveError(
                archive: label, operation: "open", message: input.lastError ?? libarchiveMessage(handle))
            archive_read_free(handle)
            throw error
        }
        return (handle, input)
    }
}

extension ReaderInput {
    /// The input's raw bytes in order, for a decoder slipway drives itself.
    func byteStream(label: String) throws -> any ByteStream {
        switch self {
        case .file(let path, _): try FileStream(path: path, label: label)
        case .memory(let memory): MemoryStream(memory)
        case .range(let range): range
        case .nested(let nested): nested
        case .stacked:
            throw ArchiveError(archive: label, operation: "open", message: "a decompressed input cannot be read again")
        }
    }
}
