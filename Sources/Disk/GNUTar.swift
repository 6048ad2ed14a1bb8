// The header of a sparse file in the old GNU tar format (GNU tar's `--format=oldgnu --sparse`),
// the form GCE's image import documents for disk.raw. Its 512-byte block is ustar's with GNU's own
// fields after the device numbers:
//
//     0 name[100]  100 mode[8]  108 uid[8]  116 gid[8]  124 size[12] (bytes stored)  136 mtime[12]
//   148 chksum[8]  156 typeflag ('S': sparse)  157 linkname[100]  257 magic "ustar  \0"
//   265 uname[32]  297 gname[32]  329 devmajor[8]  337 devminor[8]  345 atime[12]  357 ctime[12]
//   369 offset[12]  381 longnames[4]  385 unused  386 sparse map: 4 × (offset[12], numbytes[12])
//   482 isextended  483 realsize[12]  495 pad[17]
//
// A map longer than four entries continues in extension blocks of 21 entries, each with its own
// isextended byte at 504. The stored data is the mapped regions one after another, padded to a block.
// Numbers are octal with a NUL, or base-256 (a leading 0x80 byte) when they do not fit.

/// The old GNU tar format's sparse member header.
enum GNUTar {
    static let blockSize = 512
    /// GNU tar's default record: 20 blocks. The archive is padded to it, as GNU tar pads.
    static let recordSize = 20 * 512
    static let entriesInHeader = 4
    static let entriesPerExtension = 21

    /// The header block and its extension blocks for a sparse member `name` of `realSize` bytes
    /// whose data is at `map` (offsets and lengths, ascending), modified at `modificationTime`.
    static func sparseHeader(
        name: String, map: [(offset: UInt64, length: UInt64)], realSize: UInt64, modificationTime: Int64
    ) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: blockSize)
        put(Array(name.utf8), at: 0, width: 100, in: &header)
        putNumber(0o644, at: 100, width: 8, in: &header)
        putNumber(0, at: 108, width: 8, in: &header)
        putNumber(0, at: 116, width: 8, in: &header)
        putNumber(map.reduce(0) { $0 + $1.length }, at: 124, width: 12, in: &header)
        putNumber(UInt64(max(0, modificationTime)), at: 136, width: 12, in: &header)
        header[156] = UInt8(ascii: "S")
        put(Array("ustar  \0".utf8), at: 257, width: 8, in: &header)
        put(Array("root".utf8), at: 265, width: 32, in: &header)
        put(Array("root".utf8), at: 297, width: 32, in: &header)
        for (index, entry) in map.prefix(entriesInHeader).enumerated() {
            putNumber(entry.offset, at: 386 + 24 * index, width: 12, in: &header)
            putNumber(entry.length, at: 398 + 24 * index, width: 12, in: &header)
        }
        header[482] = map.count > entriesInHeader ? 1 : 0
        putNumber(realSize, at: 483, width: 12, in: &header)
        // The checksum is summed with its own field as spaces: six octal digits, NUL, space.
        for index in 148..<156 { header[index] = UInt8(ascii: " ") }
        let sum = header.reduce(0) { $0 + Int($1) }
        put(
            Array(String(sum, radix: 8).leftPadded(to: 6).utf8) + [0, UInt8(ascii: " ")], at: 148, width: 8, in: &header
        )

        var blocks = header
        var rest = map.dropFirst(entriesInHeader)
        while !rest.isEmpty {
            var continuation = [UInt8](repeating: 0, count: blockSize)
            for (index, entry) in rest.prefix(entriesPerExtension).enumerated() {
                putNumber(entry.offset, at: 24 * index, width: 12, in: &continuation)
                putNumber(entry.length, at: 24 * index + 12, width: 12, in: &continuation)
            }
            rest = rest.dropFirst(entriesPerExtension)
            continuation[504] = rest.isEmpty ? 0 : 1
            blocks += continuation
        }
        return blocks
    }

    private static func put(_ bytes: [UInt8], at offset: Int, width: Int, in block: inout [UInt8]) {
        for (index, byte) in bytes.prefix(width).enumerated() { block[offset + index] = byte }
    }

    /// `value` as width-1 octal digits and a NUL, or in base-256 when it needs more digits.
    private static func putNumber(_ value: UInt64, at offset: Int, width: Int, in block: inout [UInt8]) {
        let octal = String(value, radix: 8)
        if octal.count < width {
            put(Array(octal.leftPadded(to: width - 1).utf8) + [0], at: offset, width: width, in: &block)
            return
        }
        block[offset] = 0x80
        for index in 1..<width {
            let shift = 8 * (width - 1 - index)
            block[offset + index] = shift >= 64 ? 0 : UInt8(truncatingIfNeeded: value >> UInt64(shift))
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
