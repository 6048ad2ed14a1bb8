// One layer's writer into the content store. Small files are packed into a private buffer that
// stands for a reserved region of the store and is written with one pwrite per region, so a layer
// of thousands of small files costs a few hundred system calls, not thousands. Larger files are
// written straight from libarchive's buffers into a range reserved for exactly their size, which
// also bounds the space a region leaves unused at its end to less than one packed file. Pages of
// zeros in larger files are not written at all: they stay holes of the store file.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Packs one layer's file contents into a `ContentStore`. Used by one thread at a time.
final class ContentWriter {
    private let store: ContentStore
    private let layer: String
    private let maximumFileSize: Int64
    private static let regionSize = 1 << 20
    /// The largest file packed into a region.
    private static let packedFileLimit = 64 << 10
    private let buffer: UnsafeMutableRawBufferPointer
    /// A page of zeros to compare data with.
    private let zeroPage: UnsafeMutableRawPointer
    /// Where the buffer's region starts in the store, or nil before the first small file.
    private var regionStart: Int64?
    private var used = 0

    init(store: ContentStore, layer: String, maximumFileSize: Int64) {
        self.store = store
        self.layer = layer
        self.maximumFileSize = maximumFileSize
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.regionSize, alignment: 64)
        zeroPage = UnsafeMutableRawPointer.allocate(byteCount: Self.pageSize, alignment: 64)
        zeroPage.initializeMemory(as: UInt8.self, repeating: 0, count: Self.pageSize)
    }

    deinit {
        buffer.deallocate()
        zeroPage.deallocate()
    }

    /// Stores a file of `size` bytes whose data `produce` passes to its sink as (offset, bytes)
    /// blocks, as `ArchiveReader.forEachBlock` does. Offsets may skip holes; they read as zeros.
    func store(
        size: Int64, entry: String,
        _ produce: (_ sink: (Int64, UnsafeRawBufferPointer) throws -> Void) throws -> Void
    ) throws -> FileContent {
        guard size <= maximumFileSize else {
            throw RootfsError(layer: layer, entry: entry, rule: .fileTooLarge(size: size, limit: maximumFileSize))
        }
        if size <= 0 { return .empty }
        func checked(_ offset: Int64, _ count: Int) throws {
            guard offset >= 0, offset <= size - Int64(count) else {
                throw RootfsError(layer: layer, entry: entry, rule: .dataExceedsSize(size: size))
            }
        }
        if size <= Int64(Self.packedFileLimit) {
            let length = Int(size)
            if regionStart == nil || used + length > Self.regionSize {
                try flush()
                regionStart = try store.reserve(Int64(Self.regionSize), layer: layer, entry: entry)
                used = 0
            }
            guard let regionStart, let base = buffer.baseAddress else { return .empty }
            let start = used
            // Zeros first: a sparse file's holes are never passed to the sink.
            (base + start).initializeMemory(as: UInt8.self, repeating: 0, count: length)
            try produce { offset, bytes in
                try checked(offset, bytes.count)
                Self.copy(bytes, to: base + start + Int(offset))
            }
            used += length
            return .file(path: store.path, offset: regionStart + Int64(start), length: size)
        }
        let start = try store.reserve(size, layer: layer, entry: entry)
        var end: Int64 = 0
        try produce { offset, bytes in
            try checked(offset, bytes.count)
            if let written = try writeSkippingZeroPages(bytes, at: start + offset, entry: entry) {
                end = max(end, offset + Int64(written))
            }
        }
        if end < size {
            // A trailing hole: write its last byte so the file reaches the end of the range.
            var zero: UInt8 = 0
            try withUnsafeBytes(of: &zero) { try store.write($0, at: start + size - 1, layer: layer, entry: entry) }
        }
        return .file(path: store.path, offset: start, length: size)
    }

    /// Copies `bytes` to `destination`, out of line on purpose. Inlined, the copy is the last thing
    /// the throwing sink above does, and the optimizer of Swift 6.x turns that memmove into a tail
    /// call that skips restoring the error register (swiftlang/swift#90477, fixed upstream by
    /// llvm/llvm-project#214590): the sink then returns normally with whatever scratch value the
    /// register held, and its caller takes that value for a thrown error and crashes retaining it.
    /// Only optimized builds are affected, whenever a packed file arrives in more than one block.
    /// A non-throwing function may end in a tail call, and calls out of a throwing one are never
    /// made tail calls, so keep this function non-throwing and never inlined.
    @inline(never)
    private static func copy(_ bytes: UnsafeRawBufferPointer, to destination: UnsafeMutableRawPointer) {
        guard let from = bytes.baseAddress else { return }
        destination.copyMemory(from: from, byteCount: bytes.count)
    }

    /// Writes `bytes` at `position` of the store except the pages of the store file they fill with
    /// zeros, which stay holes and read as zeros: a layer of zeros (a decompression bomb, a disk
    /// image) then costs neither writes nor space, and the image writer passes the holes over.
    /// Returns the end of the last byte written, relative to `bytes`, or nil when none was.
    private func writeSkippingZeroPages(_ bytes: UnsafeRawBufferPointer, at position: Int64, entry: String) throws
        -> Int?
    {
        guard let base = bytes.baseAddress else { return nil }
        var lastEnd: Int?
        var runStart: Int?
        var piece = 0
        while piece < bytes.count {
            // Pieces end on the store file's page boundaries, so that skipped pages are whole.
            let next = min(bytes.count, piece + Self.pageSize - Int((position + Int64(piece)) % Int64(Self.pageSize)))
            let zero = memcmp(base + piece, zeroPage, next - piece) == 0
            if !zero && runStart == nil { runStart = piece }
            if let from = runStart, zero || next == bytes.count {
                let to = zero ? piece : next
                try store.write(
                    UnsafeRawBufferPointer(rebasing: bytes[from..<to]), at: position + Int64(from), layer: layer,
                    entry: entry)
                lastEnd = to
                runStart = nil
            }
            piece = next
        }
        return lastEnd
    }

    private static let pageSize = 4096

    /// Writes the packed small files to the store. Call it once the layer is read.
    func flush() throws {
        guard let regionStart, used > 0 else { return }
        try store.write(UnsafeRawBufferPointer(rebasing: buffer[0..<used]), at: regionStart, layer: layer, entry: nil)
        used = 0
        self.regionStart = nil
    }
}
