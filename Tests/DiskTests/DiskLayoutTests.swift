import Disk
import Testing

struct DiskLayoutTests {
    static let mebibyte: UInt64 = 1 << 20

    @Test func placesPartitionsOnMebibyteBoundaries() throws {
        let layout = try DiskLayout(
            sizes: DiskLayout.Sizes(esp: 64 << 20, root: 300 << 20, state: 100 << 20 + 1), seed: "s")
        let placed = layout.partitions.map { [$0.name, "\($0.number)", "\($0.offset >> 20)", "\($0.size >> 20)"] }
        #expect(
            placed == [
                ["ESP", "1", "1", "64"], ["ROOT-A", "2", "65", "300"], ["ROOT-B", "3", "365", "300"],
                ["STATE", "5", "665", "101"],  // rounded up to whole MiB; number 5 even without OEM
            ])
        #expect(layout.size == 767 * Self.mebibyte)  // one MiB after the last partition for the backup GPT
        #expect(layout[.oem] == nil)
        #expect(layout[.esp]?.type == GPT.PartitionType.esp)
        #expect(layout[.rootB]?.type == GPT.PartitionType.rootX86_64)
        #expect(layout[.state]?.type == GPT.PartitionType.linuxData)
        #expect(layout[.rootA]?.firstLBA == 65 * 2048)
        #expect(layout[.rootA]?.lastLBA == 365 * 2048 - 1)
    }

    @Test func stateTakesTheRestOfASizedDisk() throws {
        let layout = try DiskLayout(
            sizes: DiskLayout.Sizes(esp: 32 << 20, root: 100 << 20, oem: 8 << 20, state: 50 << 20, total: 1 << 30),
            seed: "s")
        #expect(layout.size == 1 << 30)
        #expect(layout[.oem]?.offset == 233 * Self.mebibyte)
        #expect(layout[.state]?.offset == 241 * Self.mebibyte)
        #expect(layout[.state].map { $0.offset + $0.size } == (1 << 30) - Self.mebibyte)
    }

    @Test func guidsDeriveFromTheSeed() throws {
        let sizes = DiskLayout.Sizes()
        let first = try DiskLayout(sizes: sizes, seed: "profile-1")
        #expect(try DiskLayout(sizes: sizes, seed: "profile-1") == first)
        let other = try DiskLayout(sizes: sizes, seed: "profile-2")
        #expect(other.diskGUID != first.diskGUID)
        #expect(other[.rootA]?.guid != first[.rootA]?.guid)
        #expect(first[.rootA]?.guid == GUID.derived(seed: "profile-1", purpose: "partition:ROOT-A"))
        #expect(Set(first.partitions.map(\.guid)).count == first.partitions.count)
    }

    static let refusals: [(sizes: DiskLayout.Sizes, contents: [DiskLayout.Role: UInt64], message: String)] = [
        (
            DiskLayout.Sizes(root: 512 << 20), [.rootA: 600 << 20],
            "disk layout: ROOT-A needs 600 MiB but the partition is 512 MiB: make ROOT-A at least 600 MiB"
        ),
        (
            DiskLayout.Sizes(esp: 32 << 20), [.esp: 40_000_000],
            "disk layout: ESP needs 38.1 MiB (40000000 bytes) but the partition is 32 MiB: make ESP at least "
                + "38.1 MiB (40000000 bytes)"
        ),
        (
            DiskLayout.Sizes(esp: 64 << 20, root: 1 << 30, state: 1 << 30, total: 2 << 30), [:],
            "disk layout: the partitions and partition tables need 3138 MiB but the disk size is 2 GiB: make the "
                + "disk at least 3138 MiB or leave its size automatic"
        ),
        (
            DiskLayout.Sizes(esp: 8 << 20), [:],
            "disk layout: ESP size 8 MiB: must be at least 16 MiB to hold a FAT filesystem"
        ),
        (DiskLayout.Sizes(state: 0), [:], "disk layout: STATE size 0 bytes: must not be zero"),
        (
            DiskLayout.Sizes(total: (4 << 30) + 512), [:],
            "disk layout: total size 4.0 GiB (4294967808 bytes): must be a whole number of MiB, at most 64 TiB"
        ),
        (
            DiskLayout.Sizes(), [.oem: 1 << 20],
            "disk layout: OEM size 1 MiB: there are OEM contents but the layout has no OEM partition: give it a size"
        ),
    ]

    /// Layouts that cannot work are refused with the partition and both sizes, before anything is written.
    @Test(arguments: refusals)
    func refusesWhatDoesNotFit(sizes: DiskLayout.Sizes, contents: [DiskLayout.Role: UInt64], message: String) {
        do {
            _ = try DiskLayout(sizes: sizes, seed: "s", contents: contents)
            Issue.record("accepted \(sizes)")
        } catch {
            #expect("\(error)" == message)
        }
    }

    @Test func contentThatFitsExactly() throws {
        let layout = try DiskLayout(sizes: DiskLayout.Sizes(root: 512 << 20), seed: "s", contents: [.rootA: 512 << 20])
        #expect(layout[.rootA]?.size == 512 << 20)
    }

    @Test func errorCaseForTooLargeContent() {
        #expect(throws: DiskError.contentTooLarge(partition: "ROOT-B", content: 2 << 30, partitionSize: 1 << 30)) {
            try DiskLayout(sizes: DiskLayout.Sizes(), seed: "s", contents: [.rootB: 2 << 30])
        }
    }
}
