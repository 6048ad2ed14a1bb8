import Disk
import Foundation
import TestSupport
import Testing

struct GPTTests {
    static let sectors: UInt64 = 8192  // 4 MiB

    static func sampleTable() throws -> GPT.Table {
        GPT.Table(
            diskGUID: GUID.derived(seed: "gpt", purpose: "disk"), sectorCount: sectors,
            partitions: [
                GPT.Partition(
                    number: 1, type: GPT.PartitionType.esp, guid: GUID.derived(seed: "gpt", purpose: "1"),
                    firstLBA: 2048, lastLBA: 4095, name: "ESP"),
                GPT.Partition(
                    number: 3, type: GPT.PartitionType.linuxData, guid: GUID.derived(seed: "gpt", purpose: "3"),
                    firstLBA: 4096, lastLBA: 6143, attributes: 1 << 60, name: "Données-État"),
            ])
    }

    /// Writes `table` into a fresh zero-filled file of its size.
    static func write(_ table: GPT.Table, in directory: TemporaryDirectory) throws -> String {
        let path = directory.file("gpt.img")
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        try FileHandle(forWritingTo: URL(fileURLWithPath: path)).truncate(atOffset: table.sectorCount * 512)
        try table.write(toImageAt: path)
        return path
    }

    @Test func roundTrip() throws {
        let directory = try TemporaryDirectory()
        let table = try Self.sampleTable()
        let path = try Self.write(table, in: directory)
        #expect(try GPT.read(imageAt: path) == table)
    }

    /// The independent readers agree: sfdisk and sgdisk verify it and list the names, types and GUIDs.
    @Test func independentToolsAgree() throws {
        let directory = try TemporaryDirectory()
        let table = try Self.sampleTable()
        let path = try Self.write(table, in: directory)
        let verify = try runTool(["sfdisk", "--verify", path])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let sgdisk = try runTool(["sgdisk", "-v", path])
        #expect(sgdisk.stdout.contains("No problems found"), "\(sgdisk.stdout)")
        let info = try runTool(["sgdisk", "-i", "3", path])
        #expect(info.stdout.contains("Partition name: 'Données-État'"), "\(info.stdout)")
        #expect(info.stdout.contains("Attribute flags: 1000000000000000"), "\(info.stdout)")
    }

    @Test func protectiveMBR() throws {
        let directory = try TemporaryDirectory()
        let path = try Self.write(try Self.sampleTable(), in: directory)
        let mbr = try DiskFixtures.bytes(of: path, offset: 0, count: 512)
        #expect(Array(mbr[446..<462]) == [0, 0, 2, 0, 0xEE, 0xFF, 0xFF, 0xFF, 1, 0, 0, 0, 0xFF, 0x1F, 0, 0])
        #expect(mbr[510] == 0x55 && mbr[511] == 0xAA)
        #expect(mbr[0..<446].allSatisfy { $0 == 0 } && mbr[462..<510].allSatisfy { $0 == 0 })
    }

    /// The backup header is the last sector, points back at LBA 1 and at its own entry array just
    /// before it; both CRCs are checked with zlib.
    @Test func backupHeaderAtLastLBA() throws {
        let directory = try TemporaryDirectory()
        let path = try Self.write(try Self.sampleTable(), in: directory)
        let script = """
            import struct, sys, zlib
            f = open(sys.argv[1], 'rb'); data = f.read(); n = len(data) // 512
            h = data[(n - 1) * 512:(n - 1) * 512 + 92]
            sig, rev, size, crc, _, my, alt, first, last = struct.unpack('<8sIIIIQQQQ', h[:56])
            entries_lba, count, esize, ecrc = struct.unpack('<QIII', h[72:92])
            zeroed = h[:16] + b'\\0\\0\\0\\0' + h[20:]
            array = data[entries_lba * 512:entries_lba * 512 + count * esize]
            print(sig.decode(), my == n - 1, alt, first, last == n - 34, entries_lba == n - 33,
                  zlib.crc32(zeroed) == crc, zlib.crc32(array) == ecrc, array == data[1024:1024 + count * esize])
            """
        let result = try runTool(["python3", "-c", script, path])
        #expect(result.stdout == "EFI PART True 1 34 True True True True True\n", "\(result.stderr)")
    }

    static let damage: [(offset: UInt64, expected: String)] = [
        (512 + 60, "primary header at LBA 1: header CRC32 is"),
        (1024 + 130, "primary entry array at LBA 2: entry array CRC32 is"),
        ((sectors - 1) * 512 + 60, "backup header at LBA 8191: header CRC32 is"),
        ((sectors - 33) * 512 + 5, "backup entry array at LBA 8159: entry array CRC32 is"),
        (510, "LBA 0 has no MBR signature 0x55AA"),
        (512, "primary header at LBA 1: no \"EFI PART\" signature"),
    ]

    /// Each kind of damage is caught and named, with the copy and the sector.
    @Test(arguments: damage)
    func detectsCorruption(offset: UInt64, expected: String) throws {
        let directory = try TemporaryDirectory()
        let path = try Self.write(try Self.sampleTable(), in: directory)
        let original = try DiskFixtures.bytes(of: path, offset: offset, count: 1)
        try DiskFixtures.overwrite(path, offset: offset, with: [original[0] ^ 0x5A])
        do {
            _ = try GPT.read(imageAt: path)
            Issue.record("damage at byte \(offset) went unnoticed")
        } catch let error as DiskError {
            guard case .invalidGPT(let errorPath, let reason) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(errorPath == path)
            #expect(reason.hasPrefix(expected), "\(reason)")
        }
    }

    static let hostileFields: [(offset: Int, format: String, value: UInt64, expected: String)] = [
        (
            80, "<I", 0xFFFF_FFFF,
            "primary entry array at LBA 2: 4294967295 entries of 128 bytes is not a valid entry array"
        ),
        (
            84, "<I", 0xFFFF_FFFF,
            "primary entry array at LBA 2: 128 entries of 4294967295 bytes is not a valid entry array"
        ),
        (
            72, "<Q", UInt64.max,
            "primary entry array at LBA 18446744073709551615: 32 sectors from there run past the end"
        ),
        (
            32, "<Q", UInt64.max,
            "the primary header puts the backup header at LBA 18446744073709551615, outside the disk"
        ),
        (48, "<Q", UInt64.max, "primary header at LBA 1: usable sectors 34…18446744073709551615 do not fit"),
        (24, "<Q", 7, "primary header at LBA 1: it says it is at LBA 7"),
    ]

    /// Header fields with a valid CRC but absurd values are refused with a message, never a crash.
    @Test(arguments: hostileFields)
    func hostileHeaderFields(offset: Int, format: String, value: UInt64, expected: String) throws {
        let directory = try TemporaryDirectory()
        let path = try Self.write(try Self.sampleTable(), in: directory)
        let script = """
            import struct, sys, zlib
            f = open(sys.argv[1], 'r+b'); f.seek(512); h = bytearray(f.read(92))
            struct.pack_into(sys.argv[3], h, int(sys.argv[2]), int(sys.argv[4]))
            h[16:20] = b'\\0\\0\\0\\0'; struct.pack_into('<I', h, 16, zlib.crc32(bytes(h)))
            f.seek(512); f.write(h)
            """
        let result = try runTool(["python3", "-c", script, path, "\(offset)", format, "\(value)"])
        #expect(result.status == 0, "\(result.stderr)")
        do {
            _ = try GPT.read(imageAt: path)
            Issue.record("accepted field \(offset) = \(value)")
        } catch let DiskError.invalidGPT(_, reason) {
            #expect(reason.hasPrefix(expected), "\(reason)")
        }
    }

    /// The exact message for a damaged primary header, with both CRCs, and sgdisk agreeing it is damaged.
    @Test func corruptPrimaryHeaderMessage() throws {
        let directory = try TemporaryDirectory()
        let path = try Self.write(try Self.sampleTable(), in: directory)
        try DiskFixtures.overwrite(path, offset: 512 + 56, with: [0xFF])  // first byte of the disk GUID
        let header = try DiskFixtures.bytes(of: path, offset: 512, count: 92)
        let stored = UInt32(header[16]) | UInt32(header[17]) << 8 | UInt32(header[18]) << 16 | UInt32(header[19]) << 24
        let computed = try DiskFixtures.python(
            "import sys, zlib; h = bytes.fromhex(sys.argv[1]); print(zlib.crc32(h[:16] + bytes(4) + h[20:]))"
                .replacingOccurrences(
                    of: "sys.argv[1]", with: "'\(header.map { String(format: "%02x", $0) }.joined())'"))
        let expected = DiskError.invalidGPT(
            path: path,
            reason: "primary header at LBA 1: header CRC32 is \(String(format: "0x%08x", stored)) but the header "
                + "checksums to \(String(format: "0x%08x", UInt32(computed) ?? 0))")
        #expect(throws: expected) { try GPT.read(imageAt: path) }
        let sgdisk = try runTool(["sgdisk", "-v", path])
        #expect(sgdisk.stdout.contains("corrupt GPT"), "\(sgdisk.stdout)")
    }

    static func extra(
        _ number: Int, _ first: UInt64, _ last: UInt64, type: GUID = GPT.PartitionType.linuxData,
        name: String = "X"
    ) -> GPT.Partition {
        GPT.Partition(number: number, type: type, guid: .zero, firstLBA: first, lastLBA: last, name: name)
    }

    static let invalid: [(extra: GPT.Partition, message: String)] = [
        (extra(2, 3000, 5000), "partition table: partition 2 (X) overlaps partition 1 (ESP)"),
        (extra(1, 6000, 6001), "partition table: partition 1 (X): numbers must be unique and within 1…128"),
        (extra(2, 6000, 8190), "partition table: partition 2 (X): sectors 6000…8190 are outside the usable 34…8158"),
        (
            extra(2, 6000, 6001, type: .zero),
            "partition table: partition 2 (X): the all-zero type GUID marks an unused entry"
        ),
        (
            extra(2, 6000, 6001, name: String(repeating: "n", count: 37)),
            "partition table: partition 2 (\(String(repeating: "n", count: 37))): names are at most 36 UTF-16 units without NUL"
        ),
    ]

    @Test(arguments: invalid)
    func refusesInvalidTables(extra: GPT.Partition, message: String) throws {
        var table = GPT.Table(
            diskGUID: .zero, sectorCount: Self.sectors,
            partitions: [
                GPT.Partition(
                    number: 1, type: GPT.PartitionType.esp, guid: .zero, firstLBA: 2048, lastLBA: 4095, name: "ESP")
            ])
        table.partitions.append(extra)
        do {
            _ = try table.regions()
            Issue.record("accepted \(extra)")
        } catch {
            #expect("\(error)" == message)
        }
    }
}
