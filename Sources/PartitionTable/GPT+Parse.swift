// Reading a GPT back and verifying it: the protective MBR, both headers with their CRCs, both
// entry arrays with theirs, and that the two copies agree. Used by `slipway inspect`, the initrd
// (which grows STATE) and the tests; any damage is reported with the copy, the sector and the rule
// that failed.
import Hashing

extension GPT {
    /// Entry arrays larger than this are refused rather than allocated (the standard one is 16 KiB).
    static let maximumEntryArrayBytes = 1 << 20

    /// Verifies and decodes a GPT from `readSectors(lba, count)` on a disk of `sectorCount` sectors;
    /// `source` names the disk in errors. Both copies are checked and must agree. Throws
    /// `GPTError.invalidGPT` naming what is damaged, or what `readSectors` throws.
    public static func parse(
        sectorCount: UInt64, source: String, readSectors: (UInt64, Int) throws -> [UInt8]
    ) throws -> Table {
        let (table, primary, entries) = try parsePrimaryCopy(
            sectorCount: sectorCount, source: source, readSectors: readSectors)
        func fail(_ reason: String) -> GPTError { GPTError.invalidGPT(source: source, reason: reason) }
        let backupLBA = primary.alternateLBA
        guard backupLBA > 1, backupLBA < sectorCount else {
            throw fail("the primary header puts the backup header at LBA \(backupLBA), outside the disk")
        }
        let backup = try readHeader(at: backupLBA, name: "backup", sectorCount: sectorCount, readSectors, fail: fail)
        guard backup.alternateLBA == 1 else {
            throw fail(
                "backup header at LBA \(backupLBA): it points to LBA \(backup.alternateLBA), not 1, for the primary")
        }
        let backupEntries = try readEntries(
            of: backup, name: "backup", sectorCount: sectorCount, readSectors, fail: fail)
        guard backup.diskGUID == primary.diskGUID, backup.firstUsableLBA == primary.firstUsableLBA,
            backup.lastUsableLBA == primary.lastUsableLBA, backupEntries == entries
        else { throw fail("the backup header or entry array at LBA \(backupLBA) differs from the primary copy") }
        return table
    }

    /// Like `parse`, but reads only the protective MBR and the primary copy, as the kernel does: for
    /// finding partitions on a disk whose backup copy may be damaged.
    public static func parsePrimary(
        sectorCount: UInt64, source: String, readSectors: (UInt64, Int) throws -> [UInt8]
    ) throws -> Table {
        try parsePrimaryCopy(sectorCount: sectorCount, source: source, readSectors: readSectors).table
    }

    private static func parsePrimaryCopy(
        sectorCount: UInt64, source: String, readSectors: (UInt64, Int) throws -> [UInt8]
    ) throws -> (table: Table, header: Header, entries: [UInt8]) {
        func fail(_ reason: String) -> GPTError { GPTError.invalidGPT(source: source, reason: reason) }
        guard sectorCount >= minimumSectors else {
            throw fail(
                "the image has \(sectorCount) sectors, fewer than the \(minimumSectors) of the smallest GPT disk")
        }
        try checkProtectiveMBR(try readSectors(0, 1), fail: fail)
        let primary = try readHeader(at: 1, name: "primary", sectorCount: sectorCount, readSectors, fail: fail)
        let entries = try readEntries(of: primary, name: "primary", sectorCount: sectorCount, readSectors, fail: fail)
        var partitions: [Partition] = []
        let stride = Int(primary.entrySize)
        for index in 0..<Int(primary.entryCount) {
            let start = index * stride
            guard let partition = Partition(entry: Array(entries[start..<start + entrySize]), number: index + 1)
            else { continue }
            guard partition.firstLBA <= partition.lastLBA, partition.firstLBA >= primary.firstUsableLBA,
                partition.lastLBA <= primary.lastUsableLBA
            else {
                throw fail(
                    "partition \(partition.number) spans sectors \(partition.firstLBA)…\(partition.lastLBA), outside "
                        + "the usable \(primary.firstUsableLBA)…\(primary.lastUsableLBA)")
            }
            partitions.append(partition)
        }
        let table = Table(
            diskGUID: primary.diskGUID, sectorCount: sectorCount, firstUsableLBA: primary.firstUsableLBA,
            lastUsableLBA: primary.lastUsableLBA, partitions: partitions)
        return (table, primary, entries)
    }

    private static func checkProtectiveMBR(_ sector: [UInt8], fail: (String) -> GPTError) throws {
        guard sector.count == Int(sectorSize), sector[510] == 0x55, sector[511] == 0xAA else {
            throw fail("LBA 0 has no MBR signature 0x55AA: this is not a partitioned disk image")
        }
        let types = (0..<4).map { sector[446 + 16 * $0 + 4] }
        guard types.contains(0xEE) else {
            throw fail("LBA 0 has an MBR without a protective 0xEE record: this is an MBR disk, not a GPT disk")
        }
    }

    private static func readHeader(
        at lba: UInt64, name: String, sectorCount: UInt64, _ readSectors: (UInt64, Int) throws -> [UInt8],
        fail: (String) -> GPTError
    ) throws -> Header {
        let place = "\(name) header at LBA \(lba)"
        let header: Header
        switch Header.decode(sector: try readSectors(lba, 1)) {
        case .success(let decoded): header = decoded
        case .failure(let problem): throw fail("\(place): \(problem)")
        }
        guard header.currentLBA == lba else { throw fail("\(place): it says it is at LBA \(header.currentLBA)") }
        guard header.firstUsableLBA <= header.lastUsableLBA, header.lastUsableLBA < sectorCount else {
            throw fail(
                "\(place): usable sectors \(header.firstUsableLBA)…\(header.lastUsableLBA) do not fit "
                    + "a disk of \(sectorCount) sectors")
        }
        return header
    }

    private static func readEntries(
        of header: Header, name: String, sectorCount: UInt64, _ readSectors: (UInt64, Int) throws -> [UInt8],
        fail: (String) -> GPTError
    ) throws -> [UInt8] {
        let place = "\(name) entry array at LBA \(header.entriesLBA)"
        let size = Int(header.entrySize), count = Int(header.entryCount)
        // Bounds first, so that hostile values cannot overflow the arithmetic below.
        guard size >= entrySize, size <= maximumEntryArrayBytes, size % 8 == 0, count >= 1,
            count <= maximumEntryArrayBytes / size
        else {
            throw fail("\(place): \(count) entries of \(size) bytes is not a valid entry array")
        }
        let bytes = count * size
        let sectors = (bytes + Int(sectorSize) - 1) / Int(sectorSize)
        guard header.entriesLBA >= 2, header.entriesLBA < sectorCount,
            UInt64(sectors) <= sectorCount - header.entriesLBA
        else {
            throw fail("\(place): \(sectors) sectors from there run past the end of the disk")
        }
        let entries = Array(try readSectors(header.entriesLBA, sectors).prefix(bytes))
        let computed = CRC32.checksum(entries)
        guard entries.count == bytes, computed == header.entriesCRC32 else {
            throw fail(
                "\(place): entry array CRC32 is \(crcText(header.entriesCRC32)) in the header but the array "
                    + "checksums to \(crcText(computed))")
        }
        return entries
    }
}
