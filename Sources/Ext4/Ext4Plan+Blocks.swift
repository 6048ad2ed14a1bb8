import Rootfs

// Upper bounds of the blocks each inode takes, so a tree that cannot fit is refused before any data
// is written. Bounds, not exact counts: file data is not read until it is written, and all-zero
// blocks found then become holes, which only ever lowers the count.

extension Ext4Plan {
    static let blockSize = Ext4Geometry.blockSize
    /// i_block holds a symlink target shorter than this; longer targets take a block.
    static let fastSymlinkLimit = 60
    /// Bytes for in-inode xattrs in a 256-byte inode with 32 extra bytes: 256 - 128 - 32, less the
    /// 4-byte magic that starts the area.
    static let inodeXattrSpace = Ext4Geometry.inodeSize - 128 - 32 - 4

    static func blocksBound(for planned: Ext4PlannedInode) throws -> UInt64 {
        var blocks: UInt64 = 0
        let kind = planned.node?.kind ?? .directory
        switch kind {
        case .regular(let content):
            blocks += try dataBlocksBound(length: content.length, path: planned.path)
        case .directory:
            let minimum = planned.number == Ext4Geometry.firstInode ? lostAndFoundBlocks : 1
            let count = Ext4Directory.blockCount(entries: planned.entries, minimumBlocks: minimum, blockSize: blockSize)
            blocks += UInt64(count) + UInt64(treeBlocksBound(dataBlocks: UInt64(count)))
        case .symlink(let target):
            let length = target.utf8.count
            guard length > 0, length < blockSize else {
                throw Ext4Error(
                    operation: "planning the tree", path: planned.path,
                    reason: .invalid(
                        "symlink target is \(length) bytes; ext4 needs 1 to \(blockSize - 1) bytes"))
            }
            guard !target.utf8.contains(0) else {
                throw Ext4Error(
                    operation: "planning the tree", path: planned.path,
                    reason: .invalid("a symlink target cannot contain NUL"))
            }
            if length >= fastSymlinkLimit { blocks += 1 }
        case .characterDevice, .blockDevice, .fifo, .socket:
            break
        }
        if let xattrs = planned.node?.metadata.xattrs, !xattrs.isEmpty {
            blocks += try xattrBlocksBound(xattrs, path: planned.path)
        }
        return blocks
    }

    /// Data blocks of a file of `length` bytes and the extent-tree blocks it could need.
    static func dataBlocksBound(length: Int64, path: String) throws -> UInt64 {
        guard length >= 0 else {
            throw Ext4Error(operation: "planning the tree", path: path, reason: .invalid("negative file length"))
        }
        let blocks = (UInt64(length) + UInt64(blockSize) - 1) / UInt64(blockSize)
        guard blocks <= UInt64(UInt32.max) else {
            throw Ext4Error(
                operation: "planning the tree", path: path,
                reason: .invalid("the file is \(length) bytes; ext4 with 4 KiB blocks holds at most 16 TiB"))
        }
        return blocks + UInt64(treeBlocksBound(dataBlocks: blocks))
    }

    /// Extent-tree blocks for `dataBlocks` allocated from the front of the free space: one extent per
    /// 32768 blocks, plus one for each block group the run could cross (metadata and superblock
    /// backups interrupt runs at group starts) and one for the journal. A hole adds at most one
    /// extent and saves at least one block, so holes never raise the total above this bound.
    static func treeBlocksBound(dataBlocks: UInt64) -> Int {
        guard dataBlocks > 0 else { return 0 }
        let perExtent = UInt64(Ext4Extent.maxLength)
        let extents = 2 * ((dataBlocks + perExtent - 1) / perExtent) + 2
        return Ext4ExtentTree.blocksNeeded(extentCount: Int(extents), blockSize: blockSize)
    }

    /// 0 when the xattrs surely fit in the inode, else the one xattr block they take.
    static func xattrBlocksBound(_ xattrs: [ExtendedAttribute], path: String) throws -> UInt64 {
        var inInode = 4  // the terminating zero entry
        var inBlock = 32 + 4  // block header and terminator
        for xattr in xattrs {
            let name = xattr.name.utf8.count
            guard Self.knownXattrPrefixes.contains(where: { xattr.name.hasPrefix($0) && name > $0.utf8.count }) else {
                throw Ext4Error(
                    operation: "planning the tree", path: path,
                    reason: .invalid(
                        "xattr \"\(xattr.name)\" has no known namespace; use user., trusted., security. or system."))
            }
            guard name <= 255 else {
                throw Ext4Error(
                    operation: "planning the tree", path: path,
                    reason: .invalid("xattr name \"\(xattr.name)\" is longer than 255 bytes"))
            }
            let entry = 16 + ((name + 3) & ~3) + ((xattr.value.count + 3) & ~3)
            inInode += entry
            inBlock += entry
        }
        guard inBlock <= blockSize else {
            throw Ext4Error(
                operation: "planning the tree", path: path,
                reason: .invalid(
                    "the xattrs take \(inBlock) bytes; ext4 without ea_inode holds at most \(blockSize) per file"))
        }
        return inInode <= inodeXattrSpace ? 0 : 1
    }

    static let knownXattrPrefixes = ["user.", "trusted.", "security.", "system."]
}
