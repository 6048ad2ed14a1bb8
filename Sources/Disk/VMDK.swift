// A streamOptimized VMDK, the disk format AWS image import and VMware take ("Virtual Disk Format
// 1.1" and "5.0", VMware): one sparse extent with the descriptor inside, its grains deflated and
// each preceded by a marker, written so that a reader can take it front to back.
//
//   sector 0        header: "KDMV", version 3, flags (newline check, compressed grains, markers),
//                   capacity, grain size 128 sectors, descriptor at sector 1, 512 entries per grain
//                   table, grain directory "at end" (all ones), overhead, line-end test characters,
//                   compression 1 (deflate)
//   sectors 1–20    the text descriptor (createType="streamOptimized"), zero padded
//   sector 128 on   for each 32 MiB: its grains that hold data — a marker (u64 LBA in sectors,
//                   u32 compressed size) and a zlib stream, padded to a sector — then a grain table
//                   marker and the table (512 × u32 sector offsets of the grains, 0: zeros)
//                   then: grain directory marker and directory (u32 sector offset per table,
//                   0: all zeros), footer marker and a copy of the header with the directory's
//                   offset, end-of-stream marker
//
// Metadata markers are a sector: u64 value (the sectors that follow), u32 0, u32 type (0 end of
// stream, 1 grain table, 2 grain directory, 3 footer). All fields are little-endian. A grain is
// stored only when it has data (DiskImage.dataRuns), and the descriptor's CID derives from a seed,
// so a rebuild writes the same bytes.
import Foundation
import Hashing

/// The streamOptimized VMDK format.
public enum VMDK {
    static let sectorSize: UInt64 = 512
    /// Sectors per grain: 64 KiB grains.
    static let grainSectors: UInt64 = 128
    static let grainSize = Int(grainSectors * sectorSize)
    static let entriesPerTable = 512
    /// Sectors of one grain table (512 four-byte entries).
    static let tableSectors = UInt64(entriesPerTable * 4) / sectorSize
    /// The descriptor's room, as VMware and qemu leave it, so tools can edit it in place.
    static let descriptorSectors: UInt64 = 20
    /// The first grain starts at the second grain boundary, after header and descriptor.
    static let overheadSectors: UInt64 = 128

    enum MarkerType: UInt32 {
        case endOfStream = 0
        case grainTable = 1
        case grainDirectory = 2
        case footer = 3
    }

    /// The header (and footer) sector for a disk of `capacity` sectors.
    static func header(capacity: UInt64, directoryOffset: UInt64) -> [UInt8] {
        var fields = FieldWriter(.little)
        fields.raw(Array("KDMV".utf8))
        fields.u32(3)
        // Bit 0: the line-end characters below are valid; 16: grains are compressed; 17: markers.
        fields.u32(1 | 1 << 16 | 1 << 17)
        fields.u64(capacity)
        fields.u64(grainSectors)
        fields.u64(1)
        fields.u64(descriptorSectors)
        fields.u32(UInt32(entriesPerTable))
        fields.u64(0)  // no redundant grain directory
        fields.u64(directoryOffset)
        fields.u64(overheadSectors)
        fields.u8(0)  // cleanly closed
        fields.raw(Array("\n \r\n".utf8))
        fields.u16(1)  // deflate
        fields.pad(to: Int(sectorSize))
        return fields.bytes
    }

    /// A metadata marker sector.
    static func marker(_ type: MarkerType, sectors: UInt64) -> [UInt8] {
        var fields = FieldWriter(.little)
        fields.u64(sectors)
        fields.u32(0)
        fields.u32(type.rawValue)
        fields.pad(to: Int(sectorSize))
        return fields.bytes
    }

    /// A grain marker and its compressed data, padded to whole sectors.
    static func grain(lba: UInt64, compressed: [UInt8]) -> [UInt8] {
        var fields = FieldWriter(.little)
        fields.u64(lba)
        fields.u32(UInt32(compressed.count))
        fields.raw(compressed)
        let padded = (fields.bytes.count + Int(sectorSize) - 1) / Int(sectorSize) * Int(sectorSize)
        fields.pad(to: padded)
        return fields.bytes
    }

    /// The embedded descriptor, zero padded to its sectors. `fileName` is the extent's name (the
    /// output's own); the CID is the first four bytes of SHA-256 of `seed`.
    static func descriptor(capacity: UInt64, fileName: String, seed: String) -> [UInt8] {
        let digest = SHA256.hash(Array("slipway-vmdk-cid\u{0}\(seed)".utf8))
        var cid = digest.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        if cid == .max || cid == .max - 1 { cid = 1 }  // ffffffff and fffffffe mean "no parent"
        // A geometry for BIOS-era guests: 16 heads, 63 sectors, cylinders capped as the format caps them.
        let cylinders = min(capacity / (16 * 63), 65535)
        let text = """
            # Disk DescriptorFile
            version=1
            CID=\(String(cid, radix: 16).leftPadded(to: 8))
            parentCID=ffffffff
            createType="streamOptimized"

            # Extent description
            RW \(capacity) SPARSE "\(fileName)"

            # The Disk Data Base
            #DDB

            ddb.virtualHWVersion = "4"
            ddb.geometry.cylinders = "\(cylinders)"
            ddb.geometry.heads = "16"
            ddb.geometry.sectors = "63"
            ddb.adapterType = "lsilogic"

            """
        var bytes = Array(text.utf8)
        bytes += [UInt8](repeating: 0, count: Int(descriptorSectors * sectorSize) - bytes.count)
        return bytes
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
