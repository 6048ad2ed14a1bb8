import CExt2fs

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// Block allocation for the tree: runs taken from the block bitmap in ascending order from a cursor,
// so files are laid out in walk order and, where free space allows, contiguously.

extension Ext4Filesystem {
    /// Takes the first free run at or after `cursor` of at most `count` blocks, marks it in use
    /// (bitmap, group and superblock counters) and moves `cursor` past it.
    func allocateRun(upTo count: UInt64, cursor: inout UInt64, for treePath: String) throws -> (UInt64, UInt64) {
        let bitmap = fs.pointee.block_map
        let first = UInt64(superblock.pointee.s_first_data_block)
        let last = blockCount - 1
        var start = blk64_t(0)
        var code = ext2fs_find_first_zero_block_bitmap2(bitmap, blk64_t(max(cursor, first)), blk64_t(last), &start)
        if code == ENOENT_CODE && cursor > first {
            // Blocks before the cursor may have been left free by libext2fs's own allocations.
            code = ext2fs_find_first_zero_block_bitmap2(bitmap, blk64_t(first), blk64_t(last), &start)
        }
        guard code == 0 else {
            if code == ENOENT_CODE {
                throw Ext4Error(
                    operation: "allocating blocks", path: treePath,
                    reason: .invalid("the image is full; give it a larger size"))
            }
            try check(code, "allocating blocks", path: treePath)
            return (0, 0)
        }
        let end = min(UInt64(start) + count - 1, last)
        var used = blk64_t(0)
        let length: UInt64
        if ext2fs_find_first_set_block_bitmap2(bitmap, start, blk64_t(end), &used) == 0 {
            length = UInt64(used - start)
        } else {
            length = end - UInt64(start) + 1
        }
        ext2fs_block_alloc_stats_range(fs, blk64_t(start), blk_t(length), 1)
        cursor = UInt64(start) + length
        return (UInt64(start), length)
    }

    /// Recomputes the group descriptor checksums and unused-inode counts before `close()`.
    func finish() throws {
        try check(ext2fs_set_gdt_csum(fs), "updating the group descriptors", path: path)
    }

    func result(sizeBytes: Int64) -> Ext4Result {
        let uuid = withUnsafeBytes(of: superblock.pointee.s_uuid) { Array($0) }
        return Ext4Result(
            sizeBytes: sizeBytes, blockSize: Ext4Geometry.blockSize, blockCount: blockCount,
            usedBlocks: blockCount - freeBlocks, inodeCount: inodeCount, usedInodes: inodeCount - freeInodes,
            uuid: Ext4Identity.format(uuid))
    }
}

/// libext2fs returns ENOENT from the bitmap searches when nothing matches.
let ENOENT_CODE = errcode_t(ENOENT)
