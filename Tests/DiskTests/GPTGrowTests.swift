import Disk
import Foundation
import TestSupport
import Testing

/// STATE's growth into a larger disk: the table math here; the initrd does the same on a booted disk
/// (see the boot tests).
struct GPTGrowTests {
    /// The sample table (ESP 1–2 MiB, partition 3 at 2–3 MiB of a 4 MiB disk) on a 64 MiB disk.
    @Test func lastPartitionGrowsToTheLastMiBBoundary() throws {
        let table = try GPTTests.sampleTable()
        let sectors: UInt64 = 64 << 11
        let grown = try #require(table.growing(partition: 3, toDiskOf: sectors))
        #expect(grown.sectorCount == sectors)
        #expect(grown.lastUsableLBA == sectors - 34)
        #expect(grown.partitions[0] == table.partitions[0])
        // The backup array takes the last 33 sectors, so the last whole MiB ends one MiB earlier.
        #expect(grown.partitions[1].firstLBA == 4096)
        #expect(grown.partitions[1].lastLBA == sectors - 2048 - 1)
        #expect(grown.partitions[1].guid == table.partitions[1].guid)
    }

    @Test func nothingToGain() throws {
        let table = try GPTTests.sampleTable()
        // Partition 3 ends at 3 MiB; a 4 MiB boundary needs 4 MiB + 33 sectors for the backup array
        // and header after it. One sector less gains nothing.
        #expect(table.growing(partition: 3, toDiskOf: GPTTests.sectors) == nil)
        #expect(table.growing(partition: 3, toDiskOf: GPTTests.sectors + 32) == nil)
        #expect(table.growing(partition: 3, toDiskOf: GPTTests.sectors + 33)?.partitions[1].lastLBA == 8191)
        // The ESP is not the last partition; partition 2 does not exist.
        #expect(table.growing(partition: 1, toDiskOf: 64 << 11) == nil)
        #expect(table.growing(partition: 2, toDiskOf: 64 << 11) == nil)
        // Growing twice: the second time finds the partition already at the end.
        let grown = try #require(table.growing(partition: 3, toDiskOf: 64 << 11))
        #expect(grown.growing(partition: 3, toDiskOf: 64 << 11) == nil)
    }

    /// An image written to a bigger disk: its GPT still reads (the backup header is where the
    /// image's end was), and after growing, sfdisk and sgdisk verify the table on the whole disk.
    @Test func grownTableVerifiesOnTheLargerDisk() throws {
        let directory = try TemporaryDirectory()
        let table = try GPTTests.sampleTable()
        let path = try GPTTests.write(table, in: directory)
        let sectors: UInt64 = 16 << 11
        try FileHandle(forWritingTo: URL(fileURLWithPath: path)).truncate(atOffset: sectors * 512)
        let before = try runTool(["sgdisk", "-v", path])
        #expect(!before.stdout.contains("No problems found"), "sgdisk should see the misplaced backup header")
        let read = try GPT.read(imageAt: path)
        #expect(read.partitions == table.partitions)
        let grown = try #require(read.growing(partition: 3, toDiskOf: sectors))
        try grown.write(toImageAt: path)
        let verify = try runTool(["sfdisk", "--verify", path])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let sgdisk = try runTool(["sgdisk", "-v", path])
        #expect(sgdisk.stdout.contains("No problems found"), "\(sgdisk.stdout)")
        let info = try runTool(["sgdisk", "-i", "3", path])
        #expect(info.stdout.contains("Last sector: \(sectors - 2049) "), "\(info.stdout)")
        #expect(try GPT.read(imageAt: path) == grown)
    }
}
