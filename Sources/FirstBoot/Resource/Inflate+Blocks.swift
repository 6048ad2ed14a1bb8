// The blocks of one DEFLATE stream (RFC 1951 §3.2.3–3.2.7): stored, fixed Huffman and dynamic
// Huffman, decoded until a chunk of output is ready and resumed where they stopped.

/// Decodes one DEFLATE stream, a chunk of output at a time.
struct Inflater {
    private enum Block {
        case header
        case stored(remaining: Int)
        case codes(literal: Huffman, distance: Huffman)
    }

    private var block = Block.header
    private var isLast = false

    private static let lengthBase = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227,
        258,
    ]
    private static let lengthExtra = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ]
    private static let distanceBase = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
        6145, 8193, 12289, 16385, 24577,
    ]
    private static let distanceExtra = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
    ]
    private static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    private static let fixedCodes: (Huffman, Huffman)? = {
        var lengths = [Int](repeating: 8, count: 288)
        for symbol in 144..<256 { lengths[symbol] = 9 }
        for symbol in 256..<280 { lengths[symbol] = 7 }
        guard let literal = try? Huffman(lengths: lengths),
            let distance = try? Huffman(lengths: [Int](repeating: 5, count: 30))
        else { return nil }
        return (literal, distance)
    }()

    /// Decodes until `output` has `target` bytes pending or the stream ends; true at the end of the
    /// stream (after its last block).
    mutating func run<Source>(_ input: inout BitReader<Source>, _ output: inout OutputWindow, until target: Int)
        throws(InflateError) -> Bool
    {
        while output.pendingCount < target {
            switch block {
            case .header:
                isLast = try input.bits(1) == 1
                block = try Inflater.blockHeader(&input)
            case .stored(let remaining):
                if remaining == 0 {
                    block = .header
                    if isLast { return true }
                    continue
                }
                let count = min(remaining, target - output.pendingCount)
                for _ in 0..<count {
                    guard let byte = input.byte() else { throw InflateError("truncated deflate data") }
                    try output.append(byte)
                }
                block = .stored(remaining: remaining - count)
            case .codes(let literal, let distance):
                guard try Inflater.symbols(&input, &output, literal, distance, until: target) else { continue }
                block = .header
                if isLast { return true }
            }
        }
        return false
    }

    private static func blockHeader<Source>(_ input: inout BitReader<Source>) throws(InflateError) -> Block {
        switch try input.bits(2) {
        case 0:
            input.alignToByte()
            var fields: [Int] = []
            for _ in 0..<4 {
                guard let byte = input.byte() else { throw InflateError("truncated deflate data") }
                fields.append(Int(byte))
            }
            let length = fields[0] | fields[1] << 8
            guard length == ~(fields[2] | fields[3] << 8) & 0xffff else {
                throw InflateError("invalid deflate data: stored block length")
            }
            return .stored(remaining: length)
        case 1:
            guard let (literal, distance) = fixedCodes else {
                throw InflateError("internal error: fixed Huffman tables")
            }
            return .codes(literal: literal, distance: distance)
        case 2:
            let (literal, distance) = try dynamicCodes(&input)
            return .codes(literal: literal, distance: distance)
        default: throw InflateError("invalid deflate data: reserved block type")
        }
    }

    /// Decodes symbols until the end of the block (true) or until `target` bytes are pending (false).
    private static func symbols<Source>(
        _ input: inout BitReader<Source>, _ output: inout OutputWindow, _ literal: Huffman, _ distance: Huffman,
        until target: Int
    ) throws(InflateError) -> Bool {
        while output.pendingCount < target {
            let symbol = try decode(literal, &input)
            if symbol < 256 {
                try output.append(UInt8(symbol))
                continue
            }
            if symbol == 256 { return true }
            let lengthIndex = symbol - 257
            guard lengthIndex < 29 else { throw InflateError("invalid deflate data: bad length symbol") }
            let length = lengthBase[lengthIndex] + (try input.bits(lengthExtra[lengthIndex]))
            let distanceSymbol = try decode(distance, &input)
            guard distanceSymbol < 30 else { throw InflateError("invalid deflate data: bad distance symbol") }
            let back = distanceBase[distanceSymbol] + (try input.bits(distanceExtra[distanceSymbol]))
            try output.copy(distance: back, length: length)
        }
        return false
    }

    private static func decode<Source>(_ code: Huffman, _ input: inout BitReader<Source>) throws(InflateError)
        -> Int
    {
        // Near the end of the input fewer bits than the table needs may be left: decode bit by bit.
        if input.fill(Huffman.fastBits) {
            let entry = code.fast[input.peek(Huffman.fastBits)]
            if entry != 0 {
                input.drop(Int(entry & 0xf))
                return Int(entry >> 4)
            }
        }
        var value = 0
        var first = 0
        var index = 0
        for length in 1..<16 {
            value |= try input.bits(1)
            let count = code.counts[length]
            if value - count < first { return code.symbols[index + (value - first)] }
            index += count
            first += count
            first <<= 1
            value <<= 1
        }
        throw InflateError("invalid deflate data: bad Huffman code")
    }

    private static func dynamicCodes<Source>(_ input: inout BitReader<Source>) throws(InflateError) -> (
        Huffman, Huffman
    ) {
        let literalCount = try input.bits(5) + 257
        let distanceCount = try input.bits(5) + 1
        let codeLengthCount = try input.bits(4) + 4
        guard literalCount <= 286, distanceCount <= 30 else {
            throw InflateError("invalid deflate data: too many codes")
        }
        var codeLengths = [Int](repeating: 0, count: 19)
        for index in 0..<codeLengthCount { codeLengths[codeLengthOrder[index]] = try input.bits(3) }
        let lengthCode = try Huffman(lengths: codeLengths)
        var lengths: [Int] = []
        while lengths.count < literalCount + distanceCount {
            let symbol = try decode(lengthCode, &input)
            switch symbol {
            case 0..<16: lengths.append(symbol)
            case 16:
                guard let previous = lengths.last else {
                    throw InflateError("invalid deflate data: repeat with no length")
                }
                lengths += [Int](repeating: previous, count: 3 + (try input.bits(2)))
            case 17: lengths += [Int](repeating: 0, count: 3 + (try input.bits(3)))
            default: lengths += [Int](repeating: 0, count: 11 + (try input.bits(7)))
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
}
