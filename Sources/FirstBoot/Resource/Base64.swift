// Standard base64 (RFC 4648 §4) with mandatory padding: `data:` URLs, PEM keys, rendered configs.

/// Standard base64 (RFC 4648 §4) with mandatory padding.
public enum Base64 {
    static func isAlphabet(_ byte: UInt8) -> Bool {
        value(byte) != nil || byte == UInt8(ascii: "=")
    }

    static func value(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return byte - 0x41
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return byte - 0x61 + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - 0x30 + 52
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }

    /// Decodes padded base64, or returns nil when the text is not valid.
    public static func decode<Bytes: Collection<UInt8>>(_ text: Bytes) -> [UInt8]? {
        let input = Array(text)
        guard input.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(input.count / 4 * 3)
        var index = 0
        while index < input.count {
            let isLast = index + 4 == input.count
            let quad = input[index..<index + 4]
            let padding = quad.reversed().prefix(while: { $0 == UInt8(ascii: "=") }).count
            guard padding <= 2, isLast || padding == 0 else { return nil }
            var accumulator: UInt32 = 0
            for (position, byte) in quad.enumerated() {
                if position >= 4 - padding {
                    accumulator <<= 6
                    continue
                }
                guard let sextet = value(byte) else { return nil }
                accumulator = accumulator << 6 | UInt32(sextet)
            }
            out.append(UInt8(truncatingIfNeeded: accumulator >> 16))
            if padding < 2 { out.append(UInt8(truncatingIfNeeded: accumulator >> 8)) }
            if padding < 1 { out.append(UInt8(truncatingIfNeeded: accumulator)) }
            index += 4
        }
        return out
    }

    /// Encodes `bytes` as padded base64.
    public static func encode<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        let input = Array(bytes)
        var out: [UInt8] = []
        var index = 0
        while index < input.count {
            let chunk = input[index..<min(index + 3, input.count)]
            var accumulator: UInt32 = 0
            for byte in chunk { accumulator = accumulator << 8 | UInt32(byte) }
            accumulator <<= UInt32(8 * (3 - chunk.count))
            for position in 0..<4 {
                if position <= chunk.count {
                    out.append(alphabet[Int((accumulator >> UInt32(18 - 6 * position)) & 0x3f)])
                } else {
                    out.append(UInt8(ascii: "="))
                }
            }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
