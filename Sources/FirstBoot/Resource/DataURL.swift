// RFC 2397 `data:` URLs, parsed as strictly as the Go library Ignition validates them with:
// media type from a fixed list of top-level types (or an `x-` token), `;attr=value` parameters,
// `;base64` only right before the comma, RFC 2396 URI characters in the data, and standard padded
// base64 when encoded.

/// A decoded `data:` URL.
public struct DataURL: Sendable, Equatable {
    public var mediaType: String
    public var bytes: [UInt8]

    private static let discreteTypes: Set<String> = [
        "text", "image", "audio", "video", "application", "message", "multipart",
    ]

    /// Decodes `text`; the error string explains what is wrong.
    public static func decode(_ text: String) -> Result<DataURL, DataURLError> {
        let input = Array(text.utf8)
        let prefix = Array("data:".utf8)
        guard input.starts(with: prefix) else { return .failure(DataURLError("missing data prefix")) }
        var index = prefix.count
        var mediaType = ""
        // Media type: "type/subtype", or nothing.
        if index < input.count && input[index] != UInt8(ascii: ";") && input[index] != UInt8(ascii: ",") {
            guard isToken(input[index]) else { return .failure(DataURLError("invalid character after data prefix")) }
            let start = index
            while index < input.count && input[index] != UInt8(ascii: "/") {
                guard isToken(input[index]) else { return .failure(DataURLError("invalid character for media type")) }
                index += 1
            }
            guard index < input.count else { return .failure(DataURLError("missing media type slash")) }
            let type = String(decoding: input[start..<index], as: UTF8.self)
            guard discreteTypes.contains(type) || type.lowercased().hasPrefix("x-") else {
                return .failure(DataURLError("invalid media type \"\(type)\""))
            }
            index += 1
            while index < input.count && input[index] != UInt8(ascii: ";") && input[index] != UInt8(ascii: ",") {
                guard isToken(input[index]) else {
                    return .failure(DataURLError("invalid character for media subtype"))
                }
                index += 1
            }
            mediaType = String(decoding: input[start..<index], as: UTF8.self)
        }
        // Parameters, then ";base64" immediately before the comma.
        var base64 = false
        while index < input.count && input[index] == UInt8(ascii: ";") {
            index += 1
            let start = index
            while index < input.count && isToken(input[index]) { index += 1 }
            let attribute = String(decoding: input[start..<index], as: UTF8.self)
            guard index < input.count else { return .failure(DataURLError("missing comma before data")) }
            if input[index] == UInt8(ascii: ",") {
                guard attribute == "base64" else { return .failure(DataURLError("expected base64, got \(attribute)")) }
                base64 = true
                break
            }
            guard input[index] == UInt8(ascii: "="), !attribute.isEmpty else {
                return .failure(DataURLError("invalid character for parameter attribute"))
            }
            index += 1
            let valueStart = index
            while index < input.count && isToken(input[index]) { index += 1 }
            guard index > valueStart else { return .failure(DataURLError("invalid character for parameter value")) }
        }
        guard index < input.count, input[index] == UInt8(ascii: ",") else {
            return .failure(DataURLError("missing comma before data"))
        }
        let data = input[(index + 1)...]
        if base64 {
            guard data.allSatisfy(Base64.isAlphabet) else { return .failure(DataURLError("invalid data character")) }
            guard let decoded = Base64.decode(data) else { return .failure(DataURLError("illegal base64 data")) }
            return .success(DataURL(mediaType: mediaType, bytes: decoded))
        }
        guard data.allSatisfy(isURIChar) else { return .failure(DataURLError("invalid data character")) }
        guard let decoded = PercentDecoding.decode(data) else {
            return .failure(DataURLError("invalid percent escape in data"))
        }
        return .success(DataURL(mediaType: mediaType, bytes: decoded))
    }

    /// RFC 2045 token characters.
    static func isToken(_ byte: UInt8) -> Bool {
        guard byte > 0x20 && byte < 0x7f else { return false }
        return !"()<>@,;:\\\"/[]?=".utf8.contains(byte)
    }

    /// RFC 2396 URI characters: reserved, unreserved and `%`.
    static func isURIChar(_ byte: UInt8) -> Bool {
        if (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) {
            return true
        }
        return ";/?:@&=+$,-_.!~*'()%".utf8.contains(byte)
    }
}

/// Why a `data:` URL could not be decoded.
public struct DataURLError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

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
