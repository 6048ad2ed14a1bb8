// Placing a table's regions into an existing image file.

extension GPT.Table {
    /// Writes the protective MBR and both GPT copies into the existing raw image at `path`, whose size
    /// must be `sectorCount` × 512 bytes. Partition contents are left as they are.
    /// Throws `DiskError.invalidTable` or `DiskError.io`.
    public func write(toImageAt path: String) throws {
        let regions = try regions()
        let file = try ImageFile.openForWriting(path)
        let size = try file.size()
        guard size == sectorCount * GPT.sectorSize else {
            throw DiskError.invalidTable(
                reason: "the table is for \(sectorCount * GPT.sectorSize) bytes but \(path) has \(size) bytes")
        }
        try write(regions, to: file)
        try file.sync()
    }

    /// Writes the regions into an open file.
    func write(_ regions: [GPT.Region], to file: ImageFile) throws {
        for region in regions { try file.write(region.bytes, at: region.offset) }
    }
}
