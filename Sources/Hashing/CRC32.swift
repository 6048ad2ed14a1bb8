// CRC-32 as used by GPT headers and entry arrays (UEFI 2.x §5.3.2) and gzip members (RFC 1952): the
// IEEE 802.3 polynomial in its reflected form 0xEDB88320, initial value 0xFFFFFFFF and a final
// complement — the same function as zlib's crc32(), which the tests use as the reference.

/// A streaming CRC-32 (IEEE 802.3, reflected), table driven.
public struct CRC32: Sendable {
    private var state: UInt32 = 0xFFFF_FFFF

    public init() {}

    /// Feeds `bytes` into the checksum.
    public mutating func update<Bytes: Sequence<UInt8>>(_ bytes: Bytes) {
        var crc = state
        for byte in bytes {
            crc = CRC32.table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        state = crc
    }

    /// The checksum of everything fed so far.
    public var value: UInt32 { state ^ 0xFFFF_FFFF }

    /// The checksum of `bytes` in one call.
    public static func checksum<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> UInt32 {
        var crc = CRC32()
        crc.update(bytes)
        return crc.value
    }

    /// One entry per byte value: the remainder of that byte shifted through eight rounds of the polynomial.
    static let table: [UInt32] = (0..<256).map { index in
        var remainder = UInt32(index)
        for _ in 0..<8 {
            remainder = remainder & 1 == 1 ? (remainder >> 1) ^ 0xEDB8_8320 : remainder >> 1
        }
        return remainder
    }
}
