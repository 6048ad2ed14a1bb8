// Field-by-field little-endian encoding for on-disk structures. Every format in this module is
// written through these helpers, never through Swift's memory layout.

/// Appends fixed-width little-endian fields to a byte buffer.
struct LittleEndianWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    mutating func u8(_ value: UInt8) { bytes.append(value) }

    mutating func u16(_ value: UInt16) { append(UInt64(value), width: 2) }

    mutating func u32(_ value: UInt32) { append(UInt64(value), width: 4) }

    mutating func u64(_ value: UInt64) { append(value, width: 8) }

    mutating func raw<Bytes: Sequence<UInt8>>(_ value: Bytes) { bytes.append(contentsOf: value) }

    mutating func zeros(_ count: Int) { bytes.append(contentsOf: repeatElement(0, count: count)) }

    /// Pads with zeros up to `length` bytes in total.
    mutating func pad(to length: Int) { if bytes.count < length { zeros(length - bytes.count) } }

    private mutating func append(_ value: UInt64, width: Int) {
        for index in 0..<width { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(index)))) }
    }
}

/// Reads fixed-width little-endian fields at byte offsets of a buffer whose length the caller checked.
struct LittleEndianReader {
    let bytes: [UInt8]

    func u16(at offset: Int) -> UInt16 { UInt16(truncatingIfNeeded: value(at: offset, width: 2)) }

    func u32(at offset: Int) -> UInt32 { UInt32(truncatingIfNeeded: value(at: offset, width: 4)) }

    func u64(at offset: Int) -> UInt64 { value(at: offset, width: 8) }

    func slice(_ offset: Int, _ count: Int) -> [UInt8] { Array(bytes[offset..<offset + count]) }

    private func value(at offset: Int, width: Int) -> UInt64 {
        var result: UInt64 = 0
        for index in (0..<width).reversed() { result = result << 8 | UInt64(bytes[offset + index]) }
        return result
    }
}
