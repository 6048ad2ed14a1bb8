// A fixed VHD, the disk format Azure takes ("Virtual Hard Disk Image Format Specification",
// Microsoft, version 1.0): the raw disk unchanged, then one 512-byte footer. Big-endian fields:
//
//   0  cookie "conectix"        8  features (2: reserved, always set)  12  format version 1.0
//  16  data offset (all ones: fixed)   24  time stamp (seconds since 2000-01-01 UTC)
//  28  creator application     32  creator version     36  creator host OS
//  40  original size           48  current size        56  geometry (cylinders u16, heads, sectors)
//  60  disk type (2: fixed)    64  checksum (ones' complement of the byte sum without it)
//  68  unique id (16 bytes)    84  saved state         85  reserved (427 zero bytes)
//
// Azure wants the virtual size a whole number of MiB, which every slipway layout is (checked here
// anyway). The unique id derives from a seed (the raw disk's digest) and the time stamp from
// SOURCE_DATE_EPOCH, so a rebuild writes the same bytes.
import Foundation
import PartitionTable

/// The fixed VHD format.
public enum VHD {
    static let footerSize = 512
    /// Seconds from 1970-01-01 to 2000-01-01, VHD's epoch.
    static let epochOffset: Int64 = 946_684_800
    /// Creator "win " with host OS "Wi2k", as Hyper-V writes them: readers (Hyper-V, Azure, qemu)
    /// then take the disk's size from the footer's current size. For other creators qemu computes
    /// it from the CHS geometry, which rounds it down and would cut off the backup GPT.
    static let creatorApplication = Array("win ".utf8)
    static let creatorHostOS = Array("Wi2k".utf8)
    static let creatorVersion: UInt32 = 0x000A_0000

    /// Writes the raw disk at `raw` as a fixed VHD at `path`, beside it and renamed into place.
    /// `seed` gives the unique id, `sourceDateEpoch` the time stamp. Throws `DiskError`
    /// (`.unsupportedByFormat` for a size that is not a whole number of MiB, `.io`).
    public static func writeFixed(raw: String, to path: String, seed: String, sourceDateEpoch: Int64) throws {
        let source = try ImageFile.openForReading(raw)
        let size = try source.size()
        guard size > 0, size % ByteSize.mebibyte == 0 else {
            throw DiskError.unsupportedByFormat(
                format: "a fixed VHD", path: raw,
                rule: "its size, \(ByteSize.text(size)), must be a whole number of MiB (Azure's rule)")
        }
        let footer = footer(size: size, uniqueID: GUID.derived(seed: seed, purpose: "vhd").bytes, time: sourceDateEpoch)
        try AtomicFile.write(to: path) { temporary in
            let disk = try ImageFile.create(temporary)
            try disk.truncate(to: size + UInt64(footerSize))
            _ = try DiskImage.copySparse(from: source, size: size, to: disk, at: 0)
            try disk.write(footer, at: size)
            try disk.sync()
        }
    }

    /// The footer of a fixed disk of `size` bytes.
    static func footer(size: UInt64, uniqueID: [UInt8], time: Int64) -> [UInt8] {
        var fields = FieldWriter(.big)
        fields.raw(Array("conectix".utf8))
        fields.u32(2)
        fields.u32(0x0001_0000)
        fields.u64(.max)
        fields.u32(UInt32(clamping: max(0, time - epochOffset)))
        fields.raw(creatorApplication)
        fields.u32(creatorVersion)
        fields.raw(creatorHostOS)
        fields.u64(size)
        fields.u64(size)
        let (cylinders, heads, sectors) = geometry(size: size)
        fields.u16(cylinders)
        fields.u8(heads)
        fields.u8(sectors)
        fields.u32(2)
        fields.u32(0)  // the checksum, filled in below
        fields.raw(uniqueID)
        fields.pad(to: footerSize)
        var bytes = fields.bytes
        let checksum = ~bytes.reduce(UInt32(0)) { $0 &+ UInt32($1) }
        for index in 0..<4 { bytes[64 + index] = UInt8(truncatingIfNeeded: checksum >> (24 - 8 * UInt32(index))) }
        return bytes
    }

    /// The CHS geometry the specification's appendix computes for `size` bytes.
    static func geometry(size: UInt64) -> (cylinders: UInt16, heads: UInt8, sectors: UInt8) {
        let totalSectors = min(size / 512, 65535 * 16 * 255)
        var sectorsPerTrack: UInt64
        var heads: UInt64
        var cylinderTimesHeads: UInt64
        if totalSectors >= 65535 * 16 * 63 {
            sectorsPerTrack = 255
            heads = 16
            cylinderTimesHeads = totalSectors / sectorsPerTrack
        } else {
            sectorsPerTrack = 17
            cylinderTimesHeads = totalSectors / sectorsPerTrack
            heads = max(4, (cylinderTimesHeads + 1023) / 1024)
            if cylinderTimesHeads >= heads * 1024 || heads > 16 {
                sectorsPerTrack = 31
                heads = 16
                cylinderTimesHeads = totalSectors / sectorsPerTrack
            }
            if cylinderTimesHeads >= heads * 1024 {
                sectorsPerTrack = 63
                heads = 16
                cylinderTimesHeads = totalSectors / sectorsPerTrack
            }
        }
        return (UInt16(clamping: cylinderTimesHeads / heads), UInt8(heads), UInt8(sectorsPerTrack))
    }
}
