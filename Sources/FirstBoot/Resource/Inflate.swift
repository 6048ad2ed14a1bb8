// DEFLATE (RFC 1951) and gzip (RFC 1952) decompression in Swift. Written here instead of linking
// zlib because the first-boot executable is statically linked and must not depend on a C library
// being present as a static archive; configs and their gzip resources are small, so a simple
// canonical-Huffman decoder is fast enough (measured: see docs/firstboot.md). Output is capped so
// that a hostile resource cannot exhaust memory.
import Hashing

/// Why compressed data could not be decoded.
public struct InflateError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// gzip and raw DEFLATE decoding.
public enum Gzip {
    /// The default limit on decompressed size: 1 GiB.
    public static let defaultLimit = 1 << 30

    /// Decompresses a gzip stream (all members, concatenated), checking each member's CRC-32 and size.
    public static func decompress(_ data: [UInt8], limit: Int = defaultLimit) throws(InflateError) -> [UInt8] {
        var output: [UInt8] = []
        var offset = 0
        repeat {
            offset = try member(data, at: offset, into: &output, limit: limit)
        } while offset < data.count && data[offset...].contains(where: { $0 != 0 })
        return output
    }

    private static func member(_ data: [UInt8], at start: Int, into output: inout [UInt8], limit: Int)
        throws(InflateError)
        -> Int
    {
        guard data.count - start >= 18 else { throw InflateError("not gzip data: too short") }
        guard data[start] == 0x1f, data[start + 1] == 0x8b else {
            throw InflateError("not gzip data: bad magic number")
        }
        guard data[start + 2] == 8 else { throw InflateError("unsupported gzip compression method \(data[start + 2])") }
        let flags = data[start + 3]
        var offset = start + 10
        if flags & 0x04 != 0 {
            guard offset + 2 <= data.count else { throw InflateError("truncated gzip header") }
            offset += 2 + (Int(data[offset]) | Int(data[offset + 1]) << 8)
        }
        for flag in [UInt8(0x08), 0x10] where flags & flag != 0 {
            while true {
                guard offset < data.count else { throw InflateError("truncated gzip header") }
                offset += 1
                if data[offset - 1] == 0 { break }
            }
        }
        if flags & 0x02 != 0 { offset += 2 }
        guard offset <= data.count else { throw InflateError("truncated gzip header") }
        let memberStart = output.count
        var inflater = Inflater(data, offset: offset, limit: limit)
        try inflater.run(into: &output)
        offset = inflater.byteOffset
        guard offset + 8 <= data.count else { throw InflateError("truncated gzip trailer") }
        let expectedCRC = readLE32(data, offset)
        let expectedSize = readLE32(data, offset + 4)
        guard CRC32.checksum(output[memberStart...]) == expectedCRC else { throw InflateError("gzip CRC-32 mismatch") }
        guard UInt32(truncatingIfNeeded: output.count - memberStart) == expectedSize else {
            throw InflateError("gzip length mismatch")
        }
        return offset + 8
    }

    private static func readLE32(_ data: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(data[offset]) | UInt32(data[offset + 1]) << 8 | UInt32(data[offset + 2]) << 16 | UInt32(data[offset + 3])
            << 24
    }
}

/// A canonical Huffman code: symbol counts per length and symbols in code order.
private struct Huffman {
    var counts = [Int](repeating: 0, count: 16)
    var symbols: [Int]

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
        for (symbol, length) in lengths.enumerated() where length != 0 {
            symbols[offsets[length]] = symbol
            offsets[length] += 1
        }
    }
}

/// Decodes one DEFLATE stream.
struct Inflater {
    private let data: [UInt8]
    private var position: Int
    private var bitBuffer: UInt32 = 0
    private var bitCount = 0
    private let limit: Int

    init(_ data: [UInt8], offset: Int = 0, limit: Int = Gzip.defaultLimit) {
        self.data = data
        position = offset
        self.limit = limit
    }

    /// The offset of the first byte after the stream (valid after `run`).
    var byteOffset: Int { position }

    private static let lengthBase = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227,
        258,
    ]
    private static let lengthExtra = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ]
    private static let distanceBase = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
        6145,
        8193, 12289, 16385, 24577,
    ]
    private static let distanceExtra = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
    ]
    private static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    mutating func run(into output: inout [UInt8]) throws(InflateError) {
        let streamStart = output.count
        var last = false
        while !last {
            last = try bits(1) == 1
            switch try bits(2) {
            case 0: try stored(into: &output)
            case 1: try codes(into: &output, streamStart: streamStart, fixed: true)
            case 2: try codes(into: &output, streamStart: streamStart, fixed: false)
            default: throw InflateError("invalid deflate data: reserved block type")
            }
        }
        // Give back whole bytes still held in the bit buffer.
        position -= bitCount / 8
        bitCount = 0
        bitBuffer = 0
    }

    private mutating func bits(_ count: Int) throws(InflateError) -> Int {
        while bitCount < count {
            guard position < data.count else { throw InflateError("truncated deflate data") }
            bitBuffer |= UInt32(data[position]) << UInt32(bitCount)
            position += 1
            bitCount += 8
        }
        let value = Int(bitBuffer & ((1 << UInt32(count)) - 1))
        bitBuffer >>= UInt32(count)
        bitCount -= count
        return value
    }

    private mutating func stored(into output: inout [UInt8]) throws(InflateError) {
        bitBuffer = 0
        bitCount = 0
        guard position + 4 <= data.count else { throw InflateError("truncated deflate data") }
        let length = Int(data[position]) | Int(data[position + 1]) << 8
        let complement = Int(data[position + 2]) | Int(data[position + 3]) << 8
        guard length == ~complement & 0xffff else { throw InflateError("invalid deflate data: stored block length") }
        position += 4
        guard position + length <= data.count else { throw InflateError("truncated deflate data") }
        guard output.count + length <= limit else { throw InflateError("decompressed data larger than \(limit) bytes") }
        output.append(contentsOf: data[position..<position + length])
        position += length
    }

    private mutating func decode(_ code: Huffman) throws(InflateError) -> Int {
        var value = 0
        var first = 0
        var index = 0
        for length in 1..<16 {
            value |= try bits(1)
            let count = code.counts[length]
            if value - count < first { return code.symbols[index + (value - first)] }
            index += count
            first += count
            first <<= 1
            value <<= 1
        }
        throw InflateError("invalid deflate data: bad Huffman code")
    }

    private static let fixedCodes: (Huffman, Huffman)? = {
        var lengths = [Int](repeating: 8, count: 288)
        for symbol in 144..<256 { lengths[symbol] = 9 }
        for symbol in 256..<280 { lengths[symbol] = 7 }
        guard let literal = try? Huffman(lengths: lengths),
            let distance = try? Huffman(lengths: [Int](repeating: 5, count: 30))
        else { return nil }
        return (literal, distance)
    }()

    private mutating func dynamicCodes() throws(InflateError) -> (Huffman, Huffman) {
        let literalCount = try bits(5) + 257
        let distanceCount = try bits(5) + 1
        let codeLengthCount = try bits(4) + 4
        guard literalCount <= 286, distanceCount <= 30 else {
            throw InflateError("invalid deflate data: too many codes")
        }
        var codeLengths = [Int](repeating: 0, count: 19)
        for index in 0..<codeLengthCount { codeLengths[Inflater.codeLengthOrder[index]] = try bits(3) }
        let lengthCode = try Huffman(lengths: codeLengths)
        var lengths: [Int] = []
        while lengths.count < literalCount + distanceCount {
            let symbol = try decode(lengthCode)
            switch symbol {
            case 0..<16: lengths.append(symbol)
            case 16:
                guard let previous = lengths.last else {
                    throw InflateError("invalid deflate data: repeat with no length")
                }
                lengths += [Int](repeating: previous, count: 3 + (try bits(2)))
            case 17: lengths += [Int](repeating: 0, count: 3 + (try bits(3)))
            default: lengths += [Int](repeating: 0, count: 11 + (try bits(7)))
            }
        }
        guard lengths.count == literalCount + distanceCount else {
            throw InflateError("invalid deflate data: too many lengths")
        }
        guard lengths[256] != 0 else { throw InflateError("invalid deflate data: no end-of-block code") }
        return (
            try Huffman(lengths: Array(lengths[0..<literalCount])),
            try Huffman(lengths: Array(lengths[literalCount...]))
        )
    }

    private mutating func codes(into output: inout [UInt8], streamStart: Int, fixed: Bool) throws(InflateError) {
        let tables: (Huffman, Huffman)
        if fixed {
            guard let fixedCodes = Inflater.fixedCodes else {
                throw InflateError("internal error: fixed Huffman tables")
            }
            tables = fixedCodes
        } else {
            tables = try dynamicCodes()
        }
        while true {
            let symbol = try decode(tables.0)
            if symbol < 256 {
                guard output.count < limit else { throw InflateError("decompressed data larger than \(limit) bytes") }
                output.append(UInt8(symbol))
                continue
            }
            if symbol == 256 { return }
            let lengthIndex = symbol - 257
            guard lengthIndex < 29 else { throw InflateError("invalid deflate data: bad length symbol") }
            let length = Inflater.lengthBase[lengthIndex] + (try bits(Inflater.lengthExtra[lengthIndex]))
            let distanceSymbol = try decode(tables.1)
            guard distanceSymbol < 30 else { throw InflateError("invalid deflate data: bad distance symbol") }
            let distance = Inflater.distanceBase[distanceSymbol] + (try bits(Inflater.distanceExtra[distanceSymbol]))
            guard distance <= output.count - streamStart else {
                throw InflateError("invalid deflate data: distance too far back")
            }
            guard output.count + length <= limit else {
                throw InflateError("decompressed data larger than \(limit) bytes")
            }
            let from = output.count - distance
            for index in 0..<length { output.append(output[from + index]) }
        }
    }
}
