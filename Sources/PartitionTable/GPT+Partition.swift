// One GPT partition entry (128 bytes) and its UTF-16LE name.

extension GPT {
    /// A used entry of the partition array.
    public struct Partition: Equatable, Sendable {
        /// The 1-based entry index: the N of /dev/vdaN.
        public var number: Int
        /// The partition type GUID (see `GPT.PartitionType`).
        public var type: GUID
        /// The unique partition GUID: PARTUUID.
        public var guid: GUID
        /// First sector.
        public var firstLBA: UInt64
        /// Last sector, inclusive.
        public var lastLBA: UInt64
        /// Attribute bits (bit 0 platform-required, 60 read-only, 63 no-auto, ...).
        public var attributes: UInt64
        /// The partition name: PARTLABEL. At most 36 UTF-16 code units.
        public var name: String

        public init(
            number: Int, type: GUID, guid: GUID, firstLBA: UInt64, lastLBA: UInt64, attributes: UInt64 = 0,
            name: String
        ) {
            self.number = number
            self.type = type
            self.guid = guid
            self.firstLBA = firstLBA
            self.lastLBA = lastLBA
            self.attributes = attributes
            self.name = name
        }

        /// Byte offset of the first sector.
        public var offset: UInt64 { firstLBA * GPT.sectorSize }

        /// Size in bytes.
        public var size: UInt64 { (lastLBA - firstLBA + 1) * GPT.sectorSize }
    }
}

extension GPT.Partition {
    /// The 128-byte entry. The caller has validated the name (`GPT.encodeName`).
    func entryBytes() -> [UInt8] {
        var writer = LittleEndianWriter(capacity: GPT.entrySize)
        writer.raw(type.gptBytes)
        writer.raw(guid.gptBytes)
        writer.u64(firstLBA)
        writer.u64(lastLBA)
        writer.u64(attributes)
        for unit in GPT.encodeName(name) ?? [] { writer.u16(unit) }
        writer.pad(to: GPT.entrySize)
        return writer.bytes
    }

    /// Decodes an entry; nil for an unused one (all-zero type GUID).
    init?(entry bytes: [UInt8], number: Int) {
        let reader = LittleEndianReader(bytes: bytes)
        guard let type = GUID(gptBytes: reader.slice(0, 16)), type != .zero,
            let guid = GUID(gptBytes: reader.slice(16, 16))
        else { return nil }
        var units: [UInt16] = []
        for index in 0..<GPT.nameUnits {
            let unit = reader.u16(at: 56 + 2 * index)
            if unit == 0 { break }
            units.append(unit)
        }
        self.init(
            number: number, type: type, guid: guid, firstLBA: reader.u64(at: 32), lastLBA: reader.u64(at: 40),
            attributes: reader.u64(at: 48), name: String(decoding: units, as: UTF16.self))
    }
}

extension GPT {
    /// The UTF-16 code units of a partition name, or nil when it does not fit the 36-unit field or
    /// holds a NUL (which would end it early).
    static func encodeName(_ name: String) -> [UInt16]? {
        let units = Array(name.utf16)
        guard units.count <= nameUnits, !units.contains(0) else { return nil }
        return units
    }
}
