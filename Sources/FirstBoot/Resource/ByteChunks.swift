// Resources are read in chunks so that a large file never sits in memory whole: the data of a
// `data:` URL is decoded as it is read, a gzip stream is decompressed as it is read, and what comes
// out is hashed and written chunk by chunk.

/// Bytes handed out a chunk at a time.
protocol ByteChunkSource {
    /// The next chunk (never empty), or nil at the end.
    mutating func nextChunk() -> ArraySlice<UInt8>?
}

/// The chunks of bytes already in memory (a downloaded body), without copying them.
struct ArrayChunks: ByteChunkSource {
    private let bytes: [UInt8]
    private let size: Int
    private var offset = 0

    init(_ bytes: [UInt8], size: Int = 1 << 16) {
        self.bytes = bytes
        self.size = max(size, 1)
    }

    mutating func nextChunk() -> ArraySlice<UInt8>? {
        guard offset < bytes.count else { return nil }
        let end = min(offset + size, bytes.count)
        defer { offset = end }
        return bytes[offset..<end]
    }
}

/// The decoded data of a checked `data:` URL; decoding cannot fail, `DataURLPayload.parse` has
/// checked every character, quad and escape.
struct DataURLChunks: ByteChunkSource {
    private let payload: DataURLPayload
    private let size: Int
    private var offset: Int

    init(_ payload: DataURLPayload, size: Int) {
        self.payload = payload
        // Whole base64 quads per chunk.
        self.size = max(size / 3 * 3, 3)
        offset = payload.dataOffset
    }

    mutating func nextChunk() -> ArraySlice<UInt8>? {
        let isBase64 = payload.isBase64
        let size = size
        let start = offset
        let (chunk, end) = withUTF8Bytes(payload.text) { input -> ([UInt8], Int) in
            isBase64
                ? DataURLChunks.base64(input, from: start, size: size)
                : DataURLChunks.percent(input, from: start, size: size)
        }
        offset = end
        return chunk.isEmpty ? nil : chunk[...]
    }

    private static func base64(_ input: UnsafeBufferPointer<UInt8>, from start: Int, size: Int) -> ([UInt8], Int) {
        let end = min(input.count, start + size / 3 * 4)
        var out: [UInt8] = []
        out.reserveCapacity((end - start) / 4 * 3)
        var index = start
        while index + 4 <= end {
            var accumulator: UInt32 = 0
            var padding = 0
            for byte in input[index..<index + 4] {
                if let sextet = Base64.value(byte) {
                    accumulator = accumulator << 6 | UInt32(sextet)
                } else {
                    accumulator <<= 6
                    padding += 1
                }
            }
            out.append(UInt8(truncatingIfNeeded: accumulator >> 16))
            if padding < 2 { out.append(UInt8(truncatingIfNeeded: accumulator >> 8)) }
            if padding < 1 { out.append(UInt8(truncatingIfNeeded: accumulator)) }
            index += 4
        }
        return (out, index)
    }

    private static func percent(_ input: UnsafeBufferPointer<UInt8>, from start: Int, size: Int) -> ([UInt8], Int) {
        var out: [UInt8] = []
        out.reserveCapacity(min(size, input.count - start))
        var index = start
        while index < input.count && out.count < size {
            if input[index] == UInt8(ascii: "%"), index + 2 < input.count,
                let high = PercentDecoding.hexValue(input[index + 1]),
                let low = PercentDecoding.hexValue(input[index + 2])
            {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(input[index])
                index += 1
            }
        }
        return (out, index)
    }
}
