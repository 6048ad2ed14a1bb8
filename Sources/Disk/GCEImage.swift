// The archive GCE imports a disk from: one member named disk.raw, a whole number of GiB, in a
// gzip'd GNU tar of the old format ("Manually import boot disks", Google Cloud). The raw disk goes
// in as a sparse member (what `tar --format=oldgnu -S` writes): only its blocks with data are
// stored, and its real size is the disk's rounded up to the next GiB, so the padding reads back as
// zeros and costs nothing. Written beside the target and renamed into place; the tar's time stamp
// is SOURCE_DATE_EPOCH and gzip's header carries no time, so a rebuild writes the same bytes.
import Foundation

/// GCE's image archive: disk.raw in a gzip'd old GNU tar.
public enum GCEImage {
    /// GCE requires the raw disk to be a whole number of GiB.
    public static let sizeUnit: UInt64 = 1 << 30
    /// The one member's name, as GCE requires it.
    public static let memberName = "disk.raw"

    /// The size of disk.raw for a raw disk of `size` bytes: rounded up to a whole number of GiB.
    public static func paddedSize(_ size: UInt64) -> UInt64 { (size + sizeUnit - 1) / sizeUnit * sizeUnit }

    /// Writes the raw disk at `raw` as `disk.raw` (padded with zeros to a whole number of GiB) in
    /// a gzip'd old GNU tar at `path`, modified at `sourceDateEpoch`. Throws `DiskError`
    /// (`.compression`, `.io`).
    public static func write(raw: String, to path: String, sourceDateEpoch: Int64) throws {
        let source = try ImageFile.openForReading(raw)
        let size = try source.size()
        let realSize = paddedSize(max(size, 1))
        var map = try DiskImage.dataRuns(of: source, size: size).map {
            (offset: $0.lowerBound, length: $0.upperBound - $0.lowerBound)
        }
        // A file that ends in a hole ends its map with an empty region at its end, as GNU tar writes it.
        if map.last.map({ $0.offset + $0.length }) != realSize { map.append((offset: realSize, length: 0)) }
        let header = GNUTar.sparseHeader(
            name: memberName, map: map, realSize: realSize, modificationTime: sourceDateEpoch)

        try AtomicFile.write(to: path) { temporary in
            let file = try ImageFile.create(temporary)
            var written: UInt64 = 0
            let gzip = try Deflater(.gzip, path: path)
            let sink: (UnsafeRawBufferPointer) throws -> Void = { bytes in
                try file.write(bytes, at: written)
                written += UInt64(bytes.count)
            }
            var tarBytes: UInt64 = 0
            func add(_ bytes: UnsafeRawBufferPointer) throws {
                try gzip.compress(bytes, finish: false, into: sink)
                tarBytes += UInt64(bytes.count)
            }
            try header.withUnsafeBytes { try add($0) }
            var buffer = [UInt8](repeating: 0, count: DiskImage.chunkSize)
            for region in map {
                var position = region.offset
                while position < region.offset + region.length {
                    let count = Int(min(UInt64(buffer.count), region.offset + region.length - position))
                    try buffer.withUnsafeMutableBytes { memory in
                        let chunk = UnsafeMutableRawBufferPointer(rebasing: memory[0..<count])
                        guard try source.read(into: chunk, at: position) == count else {
                            throw DiskError.io(
                                operation: "read at byte \(position) (the file shrank)", path: raw, errno: EIO)
                        }
                        try add(UnsafeRawBufferPointer(chunk))
                    }
                    position += UInt64(count)
                }
            }
            // The data padded to a block, two zero blocks ending the archive, and the rest of the record.
            let blocks = UInt64(GNUTar.blockSize)
            var end = (tarBytes + blocks - 1) / blocks * blocks + 2 * blocks
            end = (end + UInt64(GNUTar.recordSize) - 1) / UInt64(GNUTar.recordSize) * UInt64(GNUTar.recordSize)
            let zeros = [UInt8](repeating: 0, count: Int(end - tarBytes))
            try zeros.withUnsafeBytes { try gzip.compress($0, finish: true, into: sink) }
            try file.sync()
        }
    }
}
