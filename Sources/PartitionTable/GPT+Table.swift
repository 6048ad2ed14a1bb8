// The whole table: the protective MBR, both headers and both entry arrays, as byte regions that
// a writer places at their offsets. Nothing here touches a file, so it is easy to test.
import Hashing

extension GPT {
    /// A partition table for a disk of `sectorCount` 512-byte sectors.
    public struct Table: Equatable, Sendable {
        /// The disk GUID.
        public var diskGUID: GUID
        /// Sectors on the disk (its size / 512).
        public var sectorCount: UInt64
        /// First sector a partition may use (34 for the standard 16 KiB entry array).
        public var firstUsableLBA: UInt64
        /// Last sector a partition may use (N-34 for the standard 16 KiB entry array).
        public var lastUsableLBA: UInt64
        /// The used entries, ordered by number.
        public var partitions: [Partition]

        /// A table with the standard geometry: 128 entries of 128 bytes at both ends.
        public init(diskGUID: GUID, sectorCount: UInt64, partitions: [Partition]) {
            self.diskGUID = diskGUID
            self.sectorCount = sectorCount
            self.firstUsableLBA = 2 + GPT.entryArraySectors
            self.lastUsableLBA = sectorCount >= GPT.minimumSectors ? sectorCount - 2 - GPT.entryArraySectors : 0
            self.partitions = partitions.sorted { $0.number < $1.number }
        }

        init(
            diskGUID: GUID, sectorCount: UInt64, firstUsableLBA: UInt64, lastUsableLBA: UInt64,
            partitions: [Partition]
        ) {
            self.diskGUID = diskGUID
            self.sectorCount = sectorCount
            self.firstUsableLBA = firstUsableLBA
            self.lastUsableLBA = lastUsableLBA
            self.partitions = partitions.sorted { $0.number < $1.number }
        }

        /// The LBA of the backup header: the last sector.
        public var backupHeaderLBA: UInt64 { sectorCount - 1 }

        /// The partition with `name`, if any.
        public func partition(named name: String) -> Partition? { partitions.first { $0.name == name } }
    }

    /// A run of bytes to place at a byte offset of the disk.
    public struct Region: Equatable, Sendable {
        public var offset: UInt64
        public var bytes: [UInt8]
    }
}

extension GPT.Table {
    /// Checks what the writer relies on: standard geometry, entries in range, no overlap, names that fit.
    /// Throws `GPTError.invalidTable`.
    public func validate() throws {
        guard sectorCount >= GPT.minimumSectors else {
            throw GPTError.invalidTable(
                reason: "a disk of \(sectorCount) sectors is smaller than the \(GPT.minimumSectors) a GPT needs")
        }
        guard firstUsableLBA == 2 + GPT.entryArraySectors, lastUsableLBA == sectorCount - 2 - GPT.entryArraySectors
        else { throw GPTError.invalidTable(reason: "only the standard 128-entry geometry can be written") }
        var seen: Set<Int> = []
        for partition in partitions {
            let label = "partition \(partition.number) (\(partition.name))"
            guard (1...GPT.entryCount).contains(partition.number), seen.insert(partition.number).inserted else {
                throw GPTError.invalidTable(reason: "\(label): numbers must be unique and within 1…\(GPT.entryCount)")
            }
            guard partition.type != .zero else {
                throw GPTError.invalidTable(reason: "\(label): the all-zero type GUID marks an unused entry")
            }
            guard GPT.encodeName(partition.name) != nil else {
                throw GPTError.invalidTable(reason: "\(label): names are at most 36 UTF-16 units without NUL")
            }
            guard partition.firstLBA >= firstUsableLBA, partition.firstLBA <= partition.lastLBA,
                partition.lastLBA <= lastUsableLBA
            else {
                throw GPTError.invalidTable(
                    reason: "\(label): sectors \(partition.firstLBA)…\(partition.lastLBA) are outside the usable "
                        + "\(firstUsableLBA)…\(lastUsableLBA)")
            }
        }
        let byStart = partitions.sorted { $0.firstLBA < $1.firstLBA }
        for (previous, next) in zip(byStart, byStart.dropFirst()) where next.firstLBA <= previous.lastLBA {
            throw GPTError.invalidTable(
                reason:
                    "partition \(next.number) (\(next.name)) overlaps partition \(previous.number) (\(previous.name))")
        }
    }

    /// The bytes of the table: the protective MBR at 0, primary header and array from LBA 1, backup
    /// array and header in the last 33 sectors. Throws `GPTError.invalidTable` (see `validate`).
    public func regions() throws -> [GPT.Region] {
        try validate()
        var entries = [UInt8](repeating: 0, count: GPT.entryCount * GPT.entrySize)
        for partition in partitions {
            let start = (partition.number - 1) * GPT.entrySize
            entries.replaceSubrange(start..<start + GPT.entrySize, with: partition.entryBytes())
        }
        let entriesCRC = CRC32.checksum(entries)
        let backupEntriesLBA = sectorCount - 1 - GPT.entryArraySectors
        let primary = header(current: 1, alternate: backupHeaderLBA, entriesLBA: 2, entriesCRC: entriesCRC)
        let backup = header(
            current: backupHeaderLBA, alternate: 1, entriesLBA: backupEntriesLBA, entriesCRC: entriesCRC)
        return [
            GPT.Region(offset: 0, bytes: protectiveMBR()),
            GPT.Region(offset: GPT.sectorSize, bytes: primary.sectorBytes() + entries),
            GPT.Region(offset: backupEntriesLBA * GPT.sectorSize, bytes: entries + backup.sectorBytes()),
        ]
    }

    private func header(current: UInt64, alternate: UInt64, entriesLBA: UInt64, entriesCRC: UInt32) -> GPT.Header {
        GPT.Header(
            currentLBA: current, alternateLBA: alternate, firstUsableLBA: firstUsableLBA,
            lastUsableLBA: lastUsableLBA, diskGUID: diskGUID, entriesLBA: entriesLBA,
            entryCount: UInt32(GPT.entryCount), entrySize: UInt32(GPT.entrySize), entriesCRC32: entriesCRC)
    }

    /// LBA 0: no boot code, one partition record of type 0xEE from LBA 1 over the rest of the disk
    /// (capped at 2^32-1 sectors, as the specification says), and the 0x55AA signature.
    func protectiveMBR() -> [UInt8] {
        var writer = LittleEndianWriter(capacity: Int(GPT.sectorSize))
        writer.zeros(446)
        writer.u8(0x00)  // not bootable
        writer.raw([0x00, 0x02, 0x00])  // CHS of LBA 1
        writer.u8(0xEE)  // GPT protective
        writer.raw([0xFF, 0xFF, 0xFF])  // CHS end: beyond CHS addressing
        writer.u32(1)
        writer.u32(UInt32(min(sectorCount - 1, UInt64(UInt32.max))))
        writer.zeros(3 * 16)
        writer.raw([0x55, 0xAA])
        return writer.bytes
    }
}
