// DEFLATE (RFC 1951) decoding that can stop between any two symbols: the decoder pulls compressed
// bytes from a chunk source as it needs them and stops once a chunk of output is ready, keeping its
// place (block type, Huffman tables, bytes left in a stored block). Huffman codes of up to 9 bits are
// decoded with one table lookup; longer (rare) codes bit by bit from the canonical counts.
import Hashing

/// The bits of a chunked byte source, least significant bit first (RFC 1951 §3.1.1).
struct BitReader<Source: ByteChunkSource> {
    private var source: Source
    private var chunk: ArraySlice<UInt8> = []
    private var index = 0
    private var buffer: UInt64 = 0
    private var count = 0

    init(_ source: Source) { self.source = source }

    /// Buffers at least `bits` bits (at most 56); false when the input ends first.
    mutating func fill(_ bits: Int) -> Bool {
        while count < bits {
            if index == chunk.endIndex {
                guard let next = source.nextChunk() else { return false }
                chunk = next
                index = next.startIndex
                continue
            }
            buffer |= UInt64(chunk[index]) << UInt64(count)
            index += 1
            count += 8
        }
        return true
    }

    /// The next `bits` buffered bits, not consumed (call `fill` first).
    func peek(_ bits: Int) -> Int { Int(truncatingIfNeeded: buffer & ((1 << UInt64(bits)) &- 1)) }

    mutating func drop(_ bits: Int) {
        buffer >>= UInt64(bits)
        count -= bits
    }

    mutating func bits(_ bits: Int) throws(InflateError) -> Int {
        guard fill(bits) else { throw InflateError("truncated deflate data") }
        defer { drop(bits) }
        return peek(bits)
    }

    /// Skips to the next byte boundary (stored blocks and the gzip trailer start on one).
    mutating func alignToByte() { drop(count % 8) }

    /// The next byte, at a byte boundary; nil at the end of the input.
    mutating func byte() -> UInt8? {
        guard fill(8) else { return nil }
        defer { drop(8) }
        return UInt8(truncatingIfNeeded: buffer)
    }
}

/// Decoded output: the last 32 KiB (what distances can reach) followed by the bytes not yet handed out.
struct OutputWindow {
    static let history = 1 << 15

    private var bytes: [UInt8]
    private var end = 0
    private var pendingStart = 0
    private var checksumEnd = 0
    private var checksum = CRC32()
    private let limit: Int
    private var total = 0
    /// Bytes produced by the current DEFLATE stream (a gzip member), which distances may not exceed.
    private(set) var streamLength = 0

    init(chunkSize: Int, limit: Int) {
        // A chunk, the history, and the longest match a symbol can add past the chunk size.
        bytes = [UInt8](repeating: 0, count: OutputWindow.history + chunkSize + 512)
        self.limit = limit
    }

    var pendingCount: Int { end - pendingStart }

    mutating func startStream() {
        updateChecksum()
        checksum = CRC32()
        streamLength = 0
    }

    mutating func append(_ byte: UInt8) throws(InflateError) {
        guard total < limit else { throw InflateError("decompressed data larger than \(limit) bytes") }
        bytes[end] = byte
        end += 1
        total += 1
        streamLength += 1
    }

    /// Repeats `length` bytes from `distance` bytes back (the ranges may overlap).
    mutating func copy(distance: Int, length: Int) throws(InflateError) {
        guard distance <= streamLength else { throw InflateError("invalid deflate data: distance too far back") }
        guard total + length <= limit else { throw InflateError("decompressed data larger than \(limit) bytes") }
        let start = end
        bytes.withUnsafeMutableBufferPointer { buffer in
            var to = start
            var from = start - distance
            for _ in 0..<length {
                buffer[to] = buffer[from]
                to += 1
                from += 1
            }
        }
        end += length
        total += length
        streamLength += length
    }

    /// The CRC-32 of the current stream so far.
    mutating func streamChecksum() -> UInt32 {
        updateChecksum()
        return checksum.value
    }

    /// Hands out the pending bytes and keeps only the history after them.
    mutating func take() -> [UInt8] {
        updateChecksum()
        let chunk = Array(bytes[pendingStart..<end])
        pendingStart = end
        let drop = end - min(end, OutputWindow.history)
        if drop > 0 {
            bytes.withUnsafeMutableBufferPointer { buffer in
                for index in 0..<(end - drop) { buffer[index] = buffer[index + drop] }
            }
            end -= drop
            pendingStart -= drop
            checksumEnd -= drop
        }
        return chunk
    }

    private mutating func updateChecksum() {
        let range = checksumEnd..<end
        bytes.withUnsafeBytes { checksum.update(UnsafeRawBufferPointer(rebasing: $0[range])) }
        checksumEnd = end
    }
}

/// A canonical Huffman code: symbol counts per length, symbols in code order, and a lookup table
/// for codes of up to `fastBits` bits.
struct Huffman {
    static let fastBits = 9

    var counts = [Int](repeating: 0, count: 16)
    var symbols: [Int]
    /// By the next `fastBits` input bits: symbol << 4 | code length, or 0 for a longer code.
    var fast = [UInt16](repeating: 0, count: 1 << fastBits)

    init(lengths: [Int]) throws(InflateError) {
        symbols = [Int](repeating: 0, count: lengths.count)
        for length in lengths { counts[length] += 1 }
        counts[0] = 0
        var left = 1
        for length in 1..<16 {
            left = left << 1 - counts[length]
            if left < 0 { throw InflateError("invalid deflate data: over-subscribed Huffman code") }
        }
        var offsets = [Int](repeating: 0, count: 16)
        for length in 1..<15 { offsets[length + 1] = offsets[length] + counts[length] }
        // First code of each length (RFC 1951 §3.2.2), for the lookup table.
        var nextCode = [Int](repeating: 0, count: 16)
        for length in 1..<16 { nextCode[length] = (nextCode[length - 1] + counts[length - 1]) << 1 }
        for (symbol, length) in lengths.enumerated() where length != 0 {
            symbols[offsets[length]] = symbol
            offsets[length] += 1
            let code = nextCode[length]
            nextCode[length] += 1
            guard length <= Huffman.fastBits else { continue }
            // Codes are sent most significant bit first into a stream read least significant first.
            var reversed = 0
            for bit in 0..<length where code & (1 << bit) != 0 { reversed |= 1 << (length - 1 - bit) }
            var index = reversed
            while index < 1 << Huffman.fastBits {
                fast[index] = UInt16(symbol << 4 | length)
                index += 1 << length
            }
        }
    }
}
