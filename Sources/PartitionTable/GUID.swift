// GUIDs as GPT stores them. The value keeps the 16 bytes in RFC 4122 order (the order of the
// canonical text form); GPT writes the first three fields little-endian ("mixed-endian"), which
// `gptBytes` and `init(gptBytes:)` convert. Deterministic GUIDs come from SHA-256 so that the same
// profile always yields the same disk: firmware variables and root= lines stay valid across builds.
import Hashing

/// A 128-bit GUID (UUID), held in RFC 4122 byte order.
public struct GUID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The 16 bytes in the order of the text form.
    public let bytes: [UInt8]

    /// A GUID from 16 bytes in RFC 4122 (text) order. Returns nil for any other length.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Parses `C12A7328-F81F-11D2-BA4B-00A0C93EC93B` (either case). Returns nil for anything else.
    public init?(_ text: String) {
        let utf8 = Array(text.utf8)
        guard utf8.count == 36 else { return nil }
        var parsed: [UInt8] = []
        var index = 0
        while index < utf8.count {
            if [8, 13, 18, 23].contains(index) {
                guard utf8[index] == UInt8(ascii: "-") else { return nil }
                index += 1
                continue
            }
            guard let high = GUID.nibble(utf8[index]), let low = GUID.nibble(utf8[index + 1]) else { return nil }
            parsed.append(high << 4 | low)
            index += 2
        }
        self.bytes = parsed
    }

    /// The all-zero GUID, which marks an unused GPT entry.
    public static let zero = GUID(uncheckedBytes: [UInt8](repeating: 0, count: 16))

    /// Lower-case canonical text, the form blkid and /dev/disk/by-partuuid use.
    public var description: String {
        let digits = hex(bytes)
        let parts = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { range in
            String(digits.dropFirst(range.lowerBound).prefix(range.count))
        }
        return parts.joined(separator: "-")
    }

    /// Upper-case canonical text, the form the UEFI specification and sfdisk print.
    public var uppercased: String { description.uppercased() }

    /// The 16 bytes as GPT stores them: time_low, time_mid and time_hi_and_version little-endian,
    /// the clock sequence and node as they are.
    public var gptBytes: [UInt8] { GUID.swapMixedEndian(bytes) }

    /// A GUID from its GPT on-disk encoding. Returns nil unless `gptBytes` has 16 bytes.
    public init?(gptBytes: [UInt8]) {
        guard gptBytes.count == 16 else { return nil }
        self.bytes = GUID.swapMixedEndian(gptBytes)
    }

    /// A GUID derived from `seed` and `purpose` (e.g. the profile digest and "ROOT-A"): the first 16
    /// bytes of SHA-256 over both, shaped as an RFC 4122 version-4 (random) GUID so every tool accepts it.
    public static func derived(seed: String, purpose: String) -> GUID {
        var input = Array("slipway-guid\u{0}".utf8)
        input += Array(seed.utf8) + [0] + Array(purpose.utf8)
        var digest = Array(SHA256.hash(input).prefix(16))
        digest[6] = (digest[6] & 0x0F) | 0x40  // version 4
        digest[8] = (digest[8] & 0x3F) | 0x80  // RFC 4122 variant
        return GUID(uncheckedBytes: digest)
    }

    public static func < (lhs: GUID, rhs: GUID) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }

    private init(uncheckedBytes: [UInt8]) { self.bytes = uncheckedBytes }

    private static func swapMixedEndian(_ source: [UInt8]) -> [UInt8] {
        [source[3], source[2], source[1], source[0], source[5], source[4], source[7], source[6]] + source[8..<16]
    }

    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
