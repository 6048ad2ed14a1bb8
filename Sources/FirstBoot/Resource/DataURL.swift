// RFC 2397 `data:` URLs, parsed as strictly as the Go library Ignition validates them with:
// media type from a fixed list of top-level types (or an `x-` token), `;attr=value` parameters,
// `;base64` only right before the comma, RFC 2396 URI characters in the data, and standard padded
// base64 when encoded. Parsing checks the whole URL without decoding it, so that validating a config
// costs no memory for its inline files; the data is decoded in chunks when it is read.

/// A decoded `data:` URL.
public struct DataURL: Sendable, Equatable {
    public var mediaType: String
    public var bytes: [UInt8]

    /// Decodes `text`; the error string explains what is wrong.
    public static func decode(_ text: String) -> Result<DataURL, DataURLError> {
        DataURLPayload.parse(text).map { payload in
            var chunks = payload.chunks()
            var bytes: [UInt8] = []
            while let chunk = chunks.nextChunk() { bytes += chunk }
            return DataURL(mediaType: payload.mediaType, bytes: bytes)
        }
    }
}

/// A `data:` URL that has been checked but not decoded; `chunks()` reads its data.
public struct DataURLPayload: Sendable {
    /// The whole URL.
    public let text: String
    public let mediaType: String
    let isBase64: Bool
    /// The UTF-8 offset of the data, after the comma.
    let dataOffset: Int

    private static let discreteTypes: Set<String> = [
        "text", "image", "audio", "video", "application", "message", "multipart",
    ]

    /// Checks `text` completely (header, characters, base64 quads, percent escapes).
    public static func parse(_ text: String) -> Result<DataURLPayload, DataURLError> {
        withUTF8Bytes(text) { input in
            switch header(input) {
            case .failure(let failure): return .failure(failure)
            case .success(let (mediaType, base64, dataOffset)):
                let data = UnsafeBufferPointer(rebasing: input[dataOffset...])
                if let failure = base64 ? base64Problem(data) : percentProblem(data) { return .failure(failure) }
                return .success(
                    DataURLPayload(text: text, mediaType: mediaType, isBase64: base64, dataOffset: dataOffset))
            }
        }
    }

    /// The decoded data, `size` bytes at a time (at most).
    func chunks(size: Int = 1 << 16) -> DataURLChunks { DataURLChunks(self, size: size) }

    private static func header(_ input: UnsafeBufferPointer<UInt8>) -> Result<(String, Bool, Int), DataURLError> {
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
        return .success((mediaType, base64, index + 1))
    }

    /// Padded base64: whole quads, `=` only at the end of the last one (at most two).
    private static func base64Problem(_ data: UnsafeBufferPointer<UInt8>) -> DataURLError? {
        guard data.allSatisfy(Base64.isAlphabet) else { return DataURLError("invalid data character") }
        guard data.count % 4 == 0 else { return DataURLError("illegal base64 data") }
        let padding = data.reversed().prefix(while: { $0 == UInt8(ascii: "=") }).count
        guard padding <= 2, !data.dropLast(padding).contains(UInt8(ascii: "=")) else {
            return DataURLError("illegal base64 data")
        }
        return nil
    }

    /// URI characters, and two hexadecimal digits after every `%`.
    private static func percentProblem(_ data: UnsafeBufferPointer<UInt8>) -> DataURLError? {
        guard data.allSatisfy(isURIChar) else { return DataURLError("invalid data character") }
        var index = 0
        while index < data.count {
            if data[index] == UInt8(ascii: "%") {
                guard index + 2 < data.count, PercentDecoding.hexValue(data[index + 1]) != nil,
                    PercentDecoding.hexValue(data[index + 2]) != nil
                else { return DataURLError("invalid percent escape in data") }
                index += 3
            } else {
                index += 1
            }
        }
        return nil
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

/// Calls `body` with the UTF-8 bytes of `text`, without copying them when the string is stored
/// contiguously (native Swift strings are).
func withUTF8Bytes<Result>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
    if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
    return Array(text.utf8).withUnsafeBufferPointer(body)
}
