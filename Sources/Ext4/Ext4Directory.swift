// Linear ext4 directory blocks (the kernel's "classic" format; ext4 documentation, "Linear (Classic)
// Directories"), with the metadata_csum tail:
//
//   block (4096 bytes)
//   ├─ entry: inode u32 │ rec_len u16 │ name_len u8 │ file_type u8 │ name, padded to 4 bytes
//   ├─ ...   the last entry's rec_len reaches the tail
//   └─ tail (12 bytes): inode 0 │ rec_len 12 │ name_len 0 │ file_type 0xDE │ crc32c (set by libext2fs)
//
// Entries never span blocks. The first block starts with "." and "..". Directories are written
// unindexed: lookups in a multi-block directory are linear, which suits read-only roots.

/// Packing and serializing of linear directory blocks.
enum Ext4Directory {
    static let tailLength = 12
    static let tailFileType: UInt8 = 0xDE

    /// The bytes one entry takes: 8 bytes of header and the name, rounded up to 4.
    static func recordLength(nameLength: Int) -> Int { (8 + nameLength + 3) & ~3 }

    /// Groups records into blocks, in order, as many per block as fit before the tail. Returns the
    /// index ranges of each block.
    static func pack(recordLengths: [Int], blockSize: Int) -> [Range<Int>] {
        let usable = blockSize - tailLength
        var blocks: [Range<Int>] = []
        var start = 0
        var used = 0
        for (index, length) in recordLengths.enumerated() {
            if used + length > usable {
                blocks.append(start..<index)
                start = index
                used = 0
            }
            used += length
        }
        blocks.append(start..<recordLengths.count)
        return blocks
    }

    /// The records of a directory: ".", ".." and its entries.
    static func records(selfInode: UInt32, parentInode: UInt32, entries: [Ext4DirectoryEntry]) -> [Ext4DirectoryEntry] {
        [
            Ext4DirectoryEntry(name: [UInt8(ascii: ".")], inode: selfInode, fileType: 2),
            Ext4DirectoryEntry(name: [UInt8(ascii: "."), UInt8(ascii: ".")], inode: parentInode, fileType: 2),
        ] + entries
    }

    /// How many blocks `entries` take, at least `minimumBlocks`.
    static func blockCount(entries: [Ext4DirectoryEntry], minimumBlocks: Int, blockSize: Int) -> Int {
        let lengths = [12, 12] + entries.map { recordLength(nameLength: $0.name.count) }
        return max(pack(recordLengths: lengths, blockSize: blockSize).count, minimumBlocks)
    }

    /// The directory's blocks, each `blockSize` bytes with a zeroed checksum tail for libext2fs to fill.
    /// Blocks beyond the entries (up to `minimumBlocks`) hold one empty entry spanning the block.
    static func serialize(
        selfInode: UInt32, parentInode: UInt32, entries: [Ext4DirectoryEntry], minimumBlocks: Int, blockSize: Int
    ) -> [[UInt8]] {
        let all = records(selfInode: selfInode, parentInode: parentInode, entries: entries)
        let lengths = all.map { recordLength(nameLength: $0.name.count) }
        var ranges = pack(recordLengths: lengths, blockSize: blockSize)
        while ranges.count < minimumBlocks { ranges.append(all.count..<all.count) }
        let usable = blockSize - tailLength
        return ranges.map { range in
            var block = [UInt8](repeating: 0, count: blockSize)
            var offset = 0
            if range.isEmpty {
                // inode 0: an unused record covering the whole block.
                put16(&block, 4, UInt16(usable))
            }
            for index in range {
                let record = all[index]
                let length = index == range.upperBound - 1 ? usable - offset : lengths[index]
                put32(&block, offset, record.inode)
                put16(&block, offset + 4, UInt16(length))
                block[offset + 6] = UInt8(record.name.count)
                block[offset + 7] = record.fileType
                block.replaceSubrange((offset + 8)..<(offset + 8 + record.name.count), with: record.name)
                offset += length
            }
            put16(&block, usable + 4, UInt16(tailLength))
            block[usable + 7] = tailFileType
            return block
        }
    }
}

/// Little-endian stores into a byte buffer: on-disk formats are serialized field by field.
@inline(__always)
func put16(_ buffer: inout [UInt8], _ offset: Int, _ value: UInt16) {
    buffer[offset] = UInt8(truncatingIfNeeded: value)
    buffer[offset + 1] = UInt8(truncatingIfNeeded: value >> 8)
}

@inline(__always)
func put32(_ buffer: inout [UInt8], _ offset: Int, _ value: UInt32) {
    for byte in 0..<4 { buffer[offset + byte] = UInt8(truncatingIfNeeded: value >> (8 * byte)) }
}
