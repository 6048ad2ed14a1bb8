// Reading and writing the GPT of an image file. The format itself lives in PartitionTable, which
// has no Foundation so the initrd can use it; its errors become `DiskError`s here.
@_exported import PartitionTable

extension GPT {
    /// Reads and verifies the GPT of the raw disk image at `path`.
    /// Throws `DiskError.invalidGPT` naming what is damaged, or `DiskError.io`.
    public static func read(imageAt path: String) throws -> Table {
        let file = try ImageFile.openForReading(path)
        let sectors = try file.size() / sectorSize
        return try DiskError.converting {
            try parse(sectorCount: sectors, source: path) { lba, count in
                try file.read(at: lba * sectorSize, count: count * Int(sectorSize))
            }
        }
    }
}

extension GPT.Table {
    /// Writes the protective MBR and both GPT copies into the existing raw image at `path`, whose size
    /// must be `sectorCount` × 512 bytes. Partition contents are left as they are.
    /// Throws `DiskError.invalidTable` or `DiskError.io`.
    public func write(toImageAt path: String) throws {
        let regions = try DiskError.converting { try self.regions() }
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

extension DiskError {
    /// Runs `body`, turning a `GPTError` into the matching `DiskError`.
    static func converting<Value>(_ body: () throws -> Value) throws -> Value {
        do {
            return try body()
        } catch GPTError.invalidTable(let reason) {
            throw DiskError.invalidTable(reason: reason)
        } catch GPTError.invalidGPT(let source, let reason) {
            throw DiskError.invalidGPT(path: source, reason: reason)
        }
    }
}
