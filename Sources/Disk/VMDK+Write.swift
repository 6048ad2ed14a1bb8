// Writing a raw disk as a streamOptimized VMDK (the layout is in VMDK.swift): the grains that hold
// data, deflated in disk order, each 32 MiB's grain table after its grains, then the directory and
// the footer. Written beside the target and renamed into place.
import Foundation

extension VMDK {
    /// Writes the raw disk at `raw` as a streamOptimized VMDK at `path`. `extentName` is the file
    /// name the descriptor gives the extent (the output's final name, not a staging name); `seed`
    /// gives the descriptor's CID. Throws `DiskError` (`.unsupportedByFormat`, `.compression`, `.io`).
    public static func writeStreamOptimized(raw: String, to path: String, extentName: String, seed: String) throws {
        let source = try ImageFile.openForReading(raw)
        let size = try source.size()
        guard size > 0, size % sectorSize == 0 else {
            throw DiskError.unsupportedByFormat(
                format: "a VMDK", path: raw, rule: "its size, \(ByteSize.text(size)), must be a whole number of sectors"
            )
        }
        let capacity = size / sectorSize
        let descriptor = descriptor(capacity: capacity, fileName: extentName, seed: seed)
        guard descriptor.count == Int(descriptorSectors * sectorSize) else {
            throw DiskError.unsupportedByFormat(
                format: "a VMDK", path: path,
                rule: "the descriptor must fit \(descriptorSectors) sectors; shorten the name")
        }
        let grains = try grainsWithData(source, size: size)
        let grainCount = (size + UInt64(grainSize) - 1) / UInt64(grainSize)
        let tableCount = Int((grainCount + UInt64(entriesPerTable) - 1) / UInt64(entriesPerTable))

        try AtomicFile.write(to: path) { temporary in
            let file = try ImageFile.create(temporary)
            try file.write(header(capacity: capacity, directoryOffset: .max), at: 0)
            try file.write(descriptor, at: sectorSize)
            var offset = overheadSectors * sectorSize
            func append(_ bytes: [UInt8]) throws -> UInt32 {
                let sector = offset / sectorSize
                guard sector <= UInt64(UInt32.max) else {
                    throw DiskError.unsupportedByFormat(
                        format: "a VMDK", path: path, rule: "its data must end within 2 TiB (32-bit sector offsets)")
                }
                try file.write(bytes, at: offset)
                offset += UInt64(bytes.count)
                return UInt32(sector)
            }

            let deflater = try Deflater(.zlib, path: path)
            var buffer = [UInt8](repeating: 0, count: grainSize)
            var directory = [UInt32](repeating: 0, count: tableCount)
            var next = grains.startIndex
            for table in 0..<tableCount {
                var entries = [UInt32](repeating: 0, count: entriesPerTable)
                let tableEnd = UInt64(table + 1) * UInt64(entriesPerTable)
                while next < grains.endIndex, grains[next] < tableEnd {
                    let grain = grains[next]
                    let compressed = try buffer.withUnsafeMutableBytes { bytes in
                        let got = try source.read(into: bytes, at: grain * UInt64(grainSize))
                        // The last grain of a disk that is not a whole number of grains: zeros after it.
                        for index in got..<bytes.count { bytes[index] = 0 }
                        return try deflater.compressAll(UnsafeRawBufferPointer(bytes))
                    }
                    entries[Int(grain % UInt64(entriesPerTable))] = try append(
                        VMDK.grain(lba: grain * grainSectors, compressed: compressed))
                    next += 1
                }
                guard entries.contains(where: { $0 != 0 }) else { continue }
                _ = try append(marker(.grainTable, sectors: tableSectors))
                directory[table] = try append(littleEndian(entries))
            }
            let directorySectors = (UInt64(tableCount * 4) + sectorSize - 1) / sectorSize
            _ = try append(marker(.grainDirectory, sectors: directorySectors))
            var directoryBytes = littleEndian(directory)
            directoryBytes += [UInt8](repeating: 0, count: Int(directorySectors * sectorSize) - directoryBytes.count)
            let directoryOffset = try append(directoryBytes)
            _ = try append(marker(.footer, sectors: 1))
            _ = try append(header(capacity: capacity, directoryOffset: UInt64(directoryOffset)))
            _ = try append(marker(.endOfStream, sectors: 0))
            try file.sync()
        }
    }

    /// The indexes of the grains that hold data, in order.
    static func grainsWithData(_ source: ImageFile, size: UInt64) throws -> [UInt64] {
        var grains: [UInt64] = []
        for run in try DiskImage.dataRuns(of: source, size: size) {
            let first = run.lowerBound / UInt64(grainSize)
            let last = (run.upperBound - 1) / UInt64(grainSize)
            for grain in first...last where grains.last.map({ grain > $0 }) ?? true { grains.append(grain) }
        }
        return grains
    }

    private static func littleEndian(_ values: [UInt32]) -> [UInt8] {
        var fields = FieldWriter(.little)
        for value in values { fields.u32(value) }
        return fields.bytes
    }
}
