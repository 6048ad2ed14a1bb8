import CExt2fs

// Everything mke2fs does between ext2fs_initialize and populating the tree, with every value that
// mke2fs would take from the clock or a random source replaced by one derived from the options.
//
// Where libext2fs 1.47.0 itself asks for the time it uses `fs->now ? fs->now : time(NULL)` (resize and
// journal inodes, the bad-blocks inode, s_wtime in ext2fs_flush2). ext2fs_initialize fills `fs->now`
// from E2FSPROGS_FAKE_TIME when that is set; it is overwritten here, so the environment cannot change
// an image. The UUID, hash seed and checksum seed come from mke2fs, not the library, and are set here.

extension Ext4Filesystem {
    /// Fills in the superblock fields mke2fs sets after `ext2fs_initialize`, with the identity and time
    /// from the options instead of random ones and the clock.
    func configureSuperblock(identity: Ext4Identity, label: [UInt8], timestamp: Int64) {
        let sb = superblock
        withUnsafeMutableBytes(of: &sb.pointee.s_uuid) { $0.copyBytes(from: identity.uuid) }
        withUnsafeMutableBytes(of: &sb.pointee.s_hash_seed) { $0.copyBytes(from: identity.hashSeed) }
        withUnsafeMutableBytes(of: &sb.pointee.s_volume_name) { buffer in
            buffer.initializeMemory(as: UInt8.self, repeating: 0)
            buffer.copyBytes(from: label)
        }
        sb.pointee.s_def_hash_version = UInt8(EXT2_HASH_HALF_MD4)
        // ext2fs_initialize picks the flag from the build host's `char`; fix it so images do not
        // depend on the host. The kernel honours whichever flag is set.
        sb.pointee.s_flags &= ~UInt32(EXT2_FLAGS_UNSIGNED_HASH | EXT2_FLAGS_SIGNED_HASH)
        sb.pointee.s_flags |= UInt32(EXT2_FLAGS_SIGNED_HASH)
        sb.pointee.s_default_mount_opts = UInt32(EXT2_DEFM_XATTR_USER | EXT2_DEFM_ACL)
        sb.pointee.s_max_mnt_count = -1
        sb.pointee.s_checkinterval = 0
        let extraSize = UInt16(MemoryLayout<ext2_inode_large>.size - Int(EXT2_GOOD_OLD_INODE_SIZE))
        sb.pointee.s_min_extra_isize = extraSize
        sb.pointee.s_want_extra_isize = extraSize

        let (low, high) = Ext4Time.superblockFields(timestamp)
        sb.pointee.s_mkfs_time = low
        sb.pointee.s_mkfs_time_hi = high
        sb.pointee.s_lastcheck = low
        sb.pointee.s_lastcheck_hi = high
        // ext2fs_flush2 stores the low 32 bits of `now` in s_wtime; the high byte is ours to set.
        sb.pointee.s_wtime_hi = high
        // The mount time stays 0 ("never mounted"), as mke2fs leaves it.
        fs.pointee.now = Ext4Time.libraryNow(timestamp)

        // Checksums are crc32c, seeded from the UUID, which changed above.
        sb.pointee.s_checksum_type = UInt8(EXT2_CRC32C_CHKSUM)
        ext2fs_init_csum_seed(fs)
        for group in 0..<groupCount {
            // The image file starts as zeros, so every inode table is already zeroed on disk.
            ext2fs_bg_flags_set(fs, group, UInt16(EXT2_BG_INODE_ZEROED))
            ext2fs_group_desc_csum_set(fs, group)
        }
        ext2fs_mark_super_dirty(fs)
    }

    /// Marks the reserved inodes 1–10 in use, writes the bad-blocks inode, and creates the resize
    /// inode, in mke2fs's order.
    func reserveSpecialInodes() throws {
        for inode in UInt32(EXT2_ROOT_INO + 1)..<Ext4Geometry.firstInode {
            ext2fs_inode_alloc_stats2(fs, inode, 1, 0)
        }
        ext2fs_inode_alloc_stats2(fs, ext2_ino_t(EXT2_BAD_INO), 1, 0)
        try check(ext2fs_update_bb_inode(fs, nil), "writing the bad blocks inode", path: path)
        try check(ext2fs_create_resize_inode(fs), "creating the resize inode", path: path)
    }

    /// Blocks the journal takes for `journal` on this filesystem (0 for none).
    func journalBlocks(_ journal: Ext4Journal) throws -> UInt64 {
        switch journal {
        case .none:
            return 0
        case .blocks(let count):
            guard count >= 1024 else {
                throw Ext4Error(
                    operation: "checking the options", path: nil,
                    reason: .invalid("journal of \(count) blocks is too small: use at least 1024 blocks"))
            }
            return UInt64(count)
        case .automatic:
            guard blockCount >= Ext4Geometry.minimumJournalledBlocks else {
                throw Ext4Error(
                    operation: "sizing the journal", path: path,
                    reason: .invalid(
                        "an automatic journal needs an image of at least 8 MiB; this one is \(blockCount * 4) KiB"))
            }
            var parameters = ext2fs_journal_params()
            try check(ext2fs_get_journal_params(&parameters, fs), "sizing the journal", path: path)
            return UInt64(parameters.num_journal_blocks) + UInt64(parameters.num_fc_blocks)
        }
    }

    /// Creates the journal inode (inode 8) in the middle of the filesystem, as mke2fs does. Its blocks
    /// are not zeroed: the image file already reads as zeros there.
    func createJournal(_ journal: Ext4Journal) throws {
        let blocks = try journalBlocks(journal)
        guard blocks > 0 else { return }
        var parameters = ext2fs_journal_params()
        parameters.num_journal_blocks = blk_t(blocks)
        parameters.num_fc_blocks = 0
        let flags = EXT2_MKJOURNAL_LAZYINIT | EXT2_MKJOURNAL_NO_MNT_CHECK
        try check(ext2fs_add_journal_inode3(fs, &parameters, ~0, flags), "creating the journal", path: path)
    }
}

/// Conversions between seconds since the epoch and ext4's time fields.
enum Ext4Time {
    /// The range an inode time can hold: a signed 32-bit value plus two epoch bits (years 1901–2446).
    static let inodeRange: ClosedRange<Int64> = -(1 << 31)...((1 << 34) - (1 << 31) - 1)

    /// The low 32 bits and the `_hi` byte of a superblock time.
    static func superblockFields(_ seconds: Int64) -> (UInt32, UInt8) {
        (UInt32(truncatingIfNeeded: seconds), UInt8(truncatingIfNeeded: seconds >> 32))
    }

    /// The value for `fs->now`. libext2fs falls back to time(NULL) when it is 0, so a timestamp of 0
    /// is passed as 2^32: every place that uses it keeps only the low 32 bits, which are 0.
    static func libraryNow(_ seconds: Int64) -> time_t {
        seconds == 0 ? time_t(1) << 32 : time_t(seconds)
    }

    /// The 32-bit field and the `_extra` field (epoch bits; nanoseconds are 0) of an inode time,
    /// clamped to what the format holds, as the kernel clamps.
    static func inodeFields(_ seconds: Int64) -> (UInt32, UInt32) {
        let clamped = min(max(seconds, inodeRange.lowerBound), inodeRange.upperBound)
        let low = Int32(truncatingIfNeeded: clamped)
        let epoch = UInt32(truncatingIfNeeded: (clamped - Int64(low)) >> 32) & 3
        return (UInt32(bitPattern: low), epoch)
    }
}
