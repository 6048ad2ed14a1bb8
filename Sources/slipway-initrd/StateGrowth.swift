// Growing STATE to fill its disk. An image is built small and written to a disk of any size, so at
// boot, when STATE is the disk's last partition and at least 1 MiB lies unused after it:
//   1. the GPT is rewritten for the disk's real size (backup header and array at the new end, STATE's
//      entry extended to the last 1 MiB boundary) and the kernel is told the new extent (BLKPG);
//   2. once STATE is mounted, its ext4 is grown online to the partition (EXT4_IOC_RESIZE_FS).
// Step 2 also finishes a growth that step 1 of an interrupted boot began. A disk STATE already fills
// is left alone, so a second boot does nothing. Growth is an improvement, not a requirement: when it
// fails the boot goes on with STATE as it is, after a warning on the console.
import CLinux
import Glibc
import PartitionTable

struct StateGrowth {
    /// The STATE partition, e.g. `vda5`.
    var name: String
    /// STATE's size in bytes before this boot grew its partition.
    var bytesBefore: UInt64

    /// Grows STATE's partition when there is room. Call before mounting STATE. Returns nil (after a
    /// warning) when STATE cannot be examined.
    static func prepare(_ state: BlockDevice) -> StateGrowth? {
        do {
            let before = try DiskDevice.sysfsSectors(state.name) * 512
            if let disk = state.disk, let number = state.partitionNumber {
                try growPartition(number, of: disk)
            }
            return StateGrowth(name: state.name, bytesBefore: before)
        } catch {
            Console.log("warning: STATE was not grown: \(Self.message(error))")
            return nil
        }
    }

    /// Grows the filesystem mounted from STATE on `mountPoint` to fill its partition, when it is
    /// smaller. Returns the line to log, or nil when there was nothing to do. The superblock is read
    /// after mounting, when the journal has been replayed, so a growth already done is not redone.
    func growFilesystem(mountedOn mountPoint: String) -> String? {
        let device = "/dev/" + name
        let partitionBytes: UInt64
        let superblock: (blockSize: UInt64, blocks: UInt64)
        do {
            partitionBytes = try DiskDevice.sysfsSectors(name) * 512
            superblock = try Self.readSuperblock(device)
        } catch {
            return "warning: STATE's filesystem was not grown: \(Self.message(error))"
        }
        let current = superblock.blocks * superblock.blockSize
        let target = partitionBytes / superblock.blockSize
        guard target > superblock.blocks else { return nil }
        let fd = open(mountPoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { if fd >= 0 { close(fd) } }
        guard fd >= 0, slipway_ext4_resize(fd, target) == 0 else {
            return "warning: STATE's partition is \(Self.mebibytes(partitionBytes)) but growing its ext4 from "
                + "\(Self.mebibytes(current)) failed: \(System.reason()); it keeps its size"
        }
        let partition = bytesBefore == partitionBytes ? "" : "partition and "
        return "grew STATE's \(partition)filesystem (\(device)) from \(Self.mebibytes(current)) to "
            + "\(Self.mebibytes(target * superblock.blockSize)) to fill the disk"
    }

    private static func message(_ error: any Error) -> String { (error as? InitrdError)?.message ?? "\(error)" }

    // MARK: - The partition

    /// Rewrites the GPT of `/dev/<disk>` when partition `number` can grow, and tells the kernel.
    private static func growPartition(_ number: Int, of name: String) throws {
        let disk = DiskDevice(name: name)
        let fd = try disk.open(O_RDWR)
        defer { close(fd) }
        let table = try disk.partitionTable(on: fd)
        guard let grown = table.growing(partition: number, toDiskOf: table.sectorCount),
            let partition = grown.partitions.first(where: { $0.number == number })
        else { return }
        let regions: [GPT.Region]
        do { regions = try grown.regions() } catch { throw InitrdError("\(error)") }
        // The backup copy first: until the primary header is rewritten, readers still find the
        // old, complete table through it.
        for region in regions.reversed() {
            try DiskDevice.writeExactly(fd, disk.path, region.bytes, offset: region.offset)
        }
        guard fsync(fd) == 0 else { throw InitrdError("fsync \(disk.path): \(System.reason())") }
        guard slipway_resize_partition(fd, Int32(number), Int64(partition.offset), Int64(partition.size)) == 0 else {
            throw InitrdError(
                "\(disk.path): the GPT now gives partition \(number) \(mebibytes(partition.size)) but the kernel "
                    + "refused the new size (BLKPG): \(System.reason()); it takes effect at the next boot")
        }
    }

    // MARK: - Sizes

    /// The block size and block count from an ext4 superblock (1024 bytes in): s_blocks_count_lo at 4,
    /// s_log_block_size at 24, the magic 0xEF53 at 56, s_feature_incompat at 96 (64bit = 0x80),
    /// s_blocks_count_hi at 336.
    private static func readSuperblock(_ device: String) throws -> (blockSize: UInt64, blocks: UInt64) {
        let fd = open(device, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw InitrdError("open \(device): \(System.reason())") }
        defer { close(fd) }
        let bytes = try DiskDevice.readExactly(fd, device, offset: 1024, count: 1024)
        func u32(_ offset: Int) -> UInt64 {
            (0..<4).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
        }
        guard bytes[56] == 0x53, bytes[57] == 0xEF else { throw InitrdError("\(device) has no ext4 superblock") }
        let blocks = u32(4) | (u32(96) & 0x80 != 0 ? u32(336) << 32 : 0)
        return (1024 << u32(24), blocks)
    }

    private static func mebibytes(_ bytes: UInt64) -> String { "\(bytes >> 20) MiB" }
}
