// URL parsing with the acceptance rules of Go's net/url.Parse, which Ignition uses to decide whether
// a `source` is well formed: control characters, bad percent escapes, invalid ports and invalid host
// characters are rejected; `scheme:rest` without `//` is an opaque URL (data:, arn:).

/// The parts of a URL that fetching and validation need.
public struct ResourceURL: Sendable, Equatable {
    /// Lower-cased scheme, "" when there is none.
    public var scheme: String
    /// Everything after `scheme:` for URLs without `//` or `/` (data:, arn:), else "".
    public var opaque: String
    /// Host with optional `:port`, as written (brackets kept for IPv6).
    public var host: String
    /// The path as written, still percent-encoded ("" when absent).
    public var rawPath: String
    /// The query without `?`, still encoded.
    public var rawQuery: String?
    public var userinfo: String?

    /// Parses `text`, or returns nil where Go's url.Parse would fail.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        if bytes.contains(where: { $0 < 0x20 || $0 == 0x7f }) { return nil }
        var rest = bytes[...]
        if let hash = rest.firstIndex(of: UInt8(ascii: "#")) {
            guard ResourceURL.validEscapes(rest[(hash + 1)...]) else { return nil }
            rest = rest[..<hash]
        }
        scheme = ""
        opaque = ""
        host = ""
        rawPath = ""
        // Scheme: a letter, then letters, digits, "+", "-", "."; stop at the first other character.
        var index = rest.startIndex
        schemeLoop: while index < rest.endIndex {
            let byte = rest[index]
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): break
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."):
                if index == rest.startIndex { break schemeLoop }
            case UInt8(ascii: ":"):
                if index == rest.startIndex { return nil }
                scheme = String(decoding: rest[rest.startIndex..<index], as: UTF8.self).lowercased()
                rest = rest[(index + 1)...]
                break schemeLoop
            default: break schemeLoop
            }
            index += 1
        }
        if let question = rest.firstIndex(of: UInt8(ascii: "?")) {
            rawQuery = String(decoding: rest[(question + 1)...], as: UTF8.self)
            rest = rest[..<question]
        }
        if rest.first != UInt8(ascii: "/") {
            if !scheme.isEmpty {
                opaque = String(decoding: rest, as: UTF8.self)
                return
            }
            let segment = rest.prefix(while: { $0 != UInt8(ascii: "/") })
            if segment.contains(UInt8(ascii: ":")) { return nil }
        }
        if rest.starts(with: Array("//".utf8)) && (!scheme.isEmpty || !rest.starts(with: Array("///".utf8))) {
            var authority = rest.dropFirst(2)
            rest = authority[authority.endIndex...]
            if let slash = authority.firstIndex(of: UInt8(ascii: "/")) {
                rest = authority[slash...]
                authority = authority[..<slash]
            }
            if let at = authority.lastIndex(of: UInt8(ascii: "@")) {
                let user = authority[..<at]
                guard ResourceURL.validUserinfo(user) else { return nil }
                userinfo = String(decoding: user, as: UTF8.self)
                authority = authority[(at + 1)...]
            }
            guard ResourceURL.validHost(authority) else { return nil }
            host = String(decoding: authority, as: UTF8.self)
        }
        guard ResourceURL.validEscapes(rest) else { return nil }
        rawPath = String(decoding: rest, as: UTF8.self)
    }

    /// The host name without port or IPv6 brackets.
    public var hostname: String {
        if host.hasPrefix("["), let close = host.lastIndex(of: "]") {
            return String(host[host.index(after: host.startIndex)..<close])
        }
        if let colon = host.lastIndex(of: ":") { return String(host[..<colon]) }
        return host
    }

    /// The explicit port, if any.
    public var port: Int? {
        let afterBracket = host.lastIndex(of: "]").map { host[host.index(after: $0)...] } ?? host[...]
        guard let colon = afterBracket.lastIndex(of: ":") else { return nil }
        return Int(afterBracket[afterBracket.index(after: colon)...])
    }

    /// The values of query parameter `name` (decoded), as Go's `URL.Query()` returns them.
    public func queryValues(_ name: String) -> [String]? {
        guard let rawQuery else { return nil }
        var values: [String]?
        for pair in rawQuery.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let plusAsSpace: (Substring) -> [UInt8] = { Array($0.utf8).map { $0 == UInt8(ascii: "+") ? 0x20 : $0 } }
            guard let key = PercentDecoding.decode(plusAsSpace(parts[0])),
                let value = PercentDecoding.decode(parts.count > 1 ? plusAsSpace(parts[1]) : [])
            else { continue }
            if String(decoding: key, as: UTF8.self) == name {
                values = (values ?? []) + [String(decoding: value, as: UTF8.self)]
            }
        }
        return values
    }

    static func validEscapes(_ bytes: ArraySlice<UInt8>) -> Bool {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if bytes[index] == UInt8(ascii: "%") {
                guard index + 2 < bytes.endIndex, PercentDecoding.hexValue(bytes[index + 1]) != nil,
                    PercentDecoding.hexValue(bytes[index + 2]) != nil
                else { return false }
                index += 3
            } else {
                index += 1
            }
        }
        return true
    }

    private static func validUserinfo(_ bytes: ArraySlice<UInt8>) -> Bool {
        let allowed = Set("-._:~!$&'()*+,;=%@".utf8)
        return bytes.allSatisfy { isAlphanumeric($0) || allowed.contains($0) } && validEscapes(bytes)
    }

    private static func validHost(_ bytes: ArraySlice<UInt8>) -> Bool {
        var hostPart = bytes
        var portPart = bytes[bytes.endIndex...]
        if bytes.first == UInt8(ascii: "[") {
            guard let close = bytes.lastIndex(of: UInt8(ascii: "]")) else { return false }
            portPart = bytes[(close + 1)...]
            hostPart = bytes[...close]
        } else if let colon = bytes.lastIndex(of: UInt8(ascii: ":")) {
            portPart = bytes[colon...]
            hostPart = bytes[..<colon]
        }
        if !portPart.isEmpty {
            guard portPart.first == UInt8(ascii: ":"), portPart.dropFirst().allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
            else { return false }
        }
        let allowed = Set("!$&'()*+,;=:[]<>\"-_.~".utf8)
        var index = hostPart.startIndex
        while index < hostPart.endIndex {
            let byte = hostPart[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < hostPart.endIndex, let high = PercentDecoding.hexValue(hostPart[index + 1]),
                    PercentDecoding.hexValue(hostPart[index + 2]) != nil
                else { return false }
                // Go allows only %25 (and escapes of non-ASCII bytes) in hosts.
                if high < 8 && !(hostPart[index + 1] == UInt8(ascii: "2") && hostPart[index + 2] == UInt8(ascii: "5")) {
                    return false
                }
                index += 3
                continue
            }
            if byte < 0x80 && !isAlphanumeric(byte) && !allowed.contains(byte) { return false }
            index += 1
        }
        return true
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
    }
}

/// Percent-decoding of URL components.
enum PercentDecoding {
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - 0x30
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - 0x61 + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - 0x41 + 10
        default: return nil
        }
    }

    /// The decoded bytes, or nil when a `%` is not followed by two hexadecimal digits.
    static func decode<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> [UInt8]? {
        let input = Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var index = 0
        while index < input.count {
            if input[index] == UInt8(ascii: "%") {
                guard index + 2 < input.count, let high = hexValue(input[index + 1]),
                    let low = hexValue(input[index + 2])
                else { return nil }
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(input[index])
                index += 1
            }
        }
        return out
    }
}
