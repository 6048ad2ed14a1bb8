// Extent trees (ext4 documentation, "Extent Tree"):
//
//   header (12 bytes): magic 0xF30A u16 │ entries u16 │ max u16 │ depth u16 │ generation u32
//   leaf entry  (12):  logical block u32 │ length u16 │ physical hi u16 │ physical lo u32
//   index entry (12):  logical block u32 │ child lo u32 │ child hi u16 │ unused u16
//
// The root lives in the inode's 60-byte i_block (4 entries). Deeper nodes are whole blocks of 340
// entries followed by a 4-byte crc32c tail, which libext2fs computes (ext2fs_extent_block_csum_set).

/// One run of a file: `length` blocks from `logical` stored at `physical`.
struct Ext4Extent: Equatable {
    /// The longest initialized extent the format allows.
    static let maxLength: UInt32 = 32768

    var logical: UInt32
    var physical: UInt64
    var length: UInt32
}

/// A file's extents in logical order, merging runs that continue the last one.
struct Ext4ExtentList {
    private(set) var extents: [Ext4Extent] = []
    private(set) var blockCount: UInt64 = 0

    mutating func append(logical: UInt32, physical: UInt64, length: UInt32) {
        blockCount += UInt64(length)
        var logical = logical, physical = physical, length = length
        if var last = extents.last, last.logical + last.length == logical,
            last.physical + UInt64(last.length) == physical, last.length < Ext4Extent.maxLength
        {
            let taken = min(length, Ext4Extent.maxLength - last.length)
            last.length += taken
            extents[extents.count - 1] = last
            logical += taken
            physical += UInt64(taken)
            length -= taken
        }
        while length > 0 {
            let taken = min(length, Ext4Extent.maxLength)
            extents.append(Ext4Extent(logical: logical, physical: physical, length: taken))
            logical += taken
            physical += UInt64(taken)
            length -= taken
        }
    }
}

/// The on-disk extent tree of one file: the 60-byte root for i_block and the blocks below it.
struct Ext4ExtentTree {
    static let rootEntries = 4
    static let headerLength = 12
    static let entryLength = 12

    /// Entries in a tree block of `blockSize` bytes (the last 4 bytes hold the checksum).
    static func entriesPerBlock(_ blockSize: Int) -> Int { (blockSize - headerLength - 4) / entryLength }

    /// Tree blocks a file with `extentCount` extents needs below its root.
    static func blocksNeeded(extentCount: Int, blockSize: Int) -> Int {
        var nodes = extentCount
        var blocks = 0
        while nodes > rootEntries {
            nodes = (nodes + entriesPerBlock(blockSize) - 1) / entriesPerBlock(blockSize)
            blocks += nodes
        }
        return blocks
    }

    /// The root, as the 60 bytes of i_block.
    var root: [UInt8]
    /// Blocks below the root, each to be written (after its checksum is set) at `block`.
    var nodes: [(block: UInt64, bytes: [UInt8])]

    /// Builds the tree for `extents`, taking one block from `allocate` for each node below the root.
    init(extents: [Ext4Extent], blockSize: Int, allocate: () throws -> UInt64) rethrows {
        let perBlock = Self.entriesPerBlock(blockSize)
        var level: [(logical: UInt32, entry: [UInt8])] = extents.map { extent in
            var entry = [UInt8](repeating: 0, count: Self.entryLength)
            put32(&entry, 0, extent.logical)
            put16(&entry, 4, UInt16(truncatingIfNeeded: extent.length))
            put16(&entry, 6, UInt16(truncatingIfNeeded: extent.physical >> 32))
            put32(&entry, 8, UInt32(truncatingIfNeeded: extent.physical))
            return (extent.logical, entry)
        }
        var depth: UInt16 = 0
        nodes = []
        while level.count > Self.rootEntries {
            var parents: [(logical: UInt32, entry: [UInt8])] = []
            var start = 0
            while start < level.count {
                let chunk = level[start..<min(start + perBlock, level.count)]
                let block = try allocate()
                var bytes = [UInt8](repeating: 0, count: blockSize)
                Self.putHeader(&bytes, entries: chunk.count, max: perBlock, depth: depth)
                for (offset, item) in chunk.enumerated() {
                    let at = Self.headerLength + offset * Self.entryLength
                    bytes.replaceSubrange(at..<(at + Self.entryLength), with: item.entry)
                }
                nodes.append((block, bytes))
                var index = [UInt8](repeating: 0, count: Self.entryLength)
                put32(&index, 0, chunk[chunk.startIndex].logical)
                put32(&index, 4, UInt32(truncatingIfNeeded: block))
                put16(&index, 8, UInt16(truncatingIfNeeded: block >> 32))
                parents.append((chunk[chunk.startIndex].logical, index))
                start += perBlock
            }
            level = parents
            depth += 1
        }
        var root = [UInt8](repeating: 0, count: 60)
        Self.putHeader(&root, entries: level.count, max: Self.rootEntries, depth: depth)
        for (offset, item) in level.enumerated() {
            let at = Self.headerLength + offset * Self.entryLength
            root.replaceSubrange(at..<(at + Self.entryLength), with: item.entry)
        }
        self.root = root
    }

    private static func putHeader(_ bytes: inout [UInt8], entries: Int, max: Int, depth: UInt16) {
        put16(&bytes, 0, 0xF30A)
        put16(&bytes, 2, UInt16(entries))
        put16(&bytes, 4, UInt16(max))
        put16(&bytes, 6, depth)
    }
}
