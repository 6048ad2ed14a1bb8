// Growing the last partition of a disk that became larger than its image: the backup header and
// entry array move to the disk's new end, and the partition's end moves to the last 1 MiB boundary
// before them. This is how STATE fills whatever disk an image is written to.

extension GPT.Table {
    /// Partitions start and end on 1 MiB boundaries, as the image builder lays them out.
    public static let alignmentSectors: UInt64 = (1 << 20) / GPT.sectorSize

    /// This table moved to a disk of `sectorCount` sectors with partition `number` extended to the
    /// last 1 MiB boundary the disk allows, or nil when that gains nothing: the partition is not the
    /// last one on the disk, or it already ends within 1 MiB of the end.
    public func growing(partition number: Int, toDiskOf sectorCount: UInt64) -> GPT.Table? {
        guard sectorCount >= GPT.minimumSectors,
            let index = partitions.firstIndex(where: { $0.number == number }),
            partitions.allSatisfy({ $0.lastLBA <= partitions[index].lastLBA })
        else { return nil }
        var grown = GPT.Table(diskGUID: diskGUID, sectorCount: sectorCount, partitions: partitions)
        // The partition's last sector: one before the 1 MiB boundary at or below the usable end.
        let end = (grown.lastUsableLBA + 1) / Self.alignmentSectors * Self.alignmentSectors
        guard end > partitions[index].lastLBA + 1, end - (partitions[index].lastLBA + 1) >= Self.alignmentSectors
        else { return nil }
        grown.partitions[index].lastLBA = end - 1
        return grown
    }
}
