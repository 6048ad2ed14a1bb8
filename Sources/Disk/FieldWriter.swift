// Field-by-field encoding for the headers of the cloud disk formats: VMDK's fields are
// little-endian, VHD's big-endian. Structures are serialized through this, never through Swift's
// memory layout.

/// Appends fixed-width integer fields and raw bytes to a buffer.
struct FieldWriter {
    enum ByteOrder { case little, big }

    private(set) var bytes: [UInt8] = []
    let order: ByteOrder

    init(_ order: ByteOrder) { self.order = order }

    mutating func u8(_ value: UInt8) { bytes.append(value) }

    mutating func u16(_ value: UInt16) { append(UInt64(value), width: 2) }

    mutating func u32(_ value: UInt32) { append(UInt64(value), width: 4) }

    mutating func u64(_ value: UInt64) { append(value, width: 8) }

    mutating func raw<Bytes: Sequence<UInt8>>(_ value: Bytes) { bytes.append(contentsOf: value) }

    /// Pads with zeros up to `length` bytes in total.
    mutating func pad(to length: Int) {
        if bytes.count < length { bytes.append(contentsOf: repeatElement(0, count: length - bytes.count)) }
    }

    private mutating func append(_ value: UInt64, width: Int) {
        for index in 0..<width {
            let shift = order == .little ? index : width - 1 - index
            bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(shift))))
        }
    }
}
