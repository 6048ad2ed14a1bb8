import CExt2fs

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The shape of a filesystem before it is created: what `ext2fs_initialize` is asked for.
struct Ext4Geometry: Equatable {
    static let blockSize = 4096
    static let inodeSize = 256
    /// Inodes 1–10 are reserved by the format; the first ordinary inode is 11 (lost+found).
    static let firstInode: UInt32 = 11
    /// mke2fs gives filesystems below 8 MiB no journal (ext2fs_default_journal_size).
    static let minimumJournalledBlocks: UInt64 = 2048

    var blockCount: UInt64
    var inodeCount: UInt64
    var reservedBlocksPercent: Int
    var journal: Ext4Journal
    var readOnly: Bool
}

/// Owns one `ext2_filsys` handle. `close()` commits (bitmaps, group descriptors, superblocks) and
/// must be called on the success path; `deinit` only frees, so a failed write never commits.
final class Ext4Filesystem {
    /// Valid until `close()` succeeds, after which nothing calls into the filesystem.
    let fs: ext2_filsys
    private var closed = false
    let path: String

    /// Creates an in-memory filesystem for `path` (which must exist with the right size) with
    /// `ext2fs_initialize` and `ext2fs_allocate_tables`. Nothing is written to `path` until `close()`.
    init(path: String, geometry: Ext4Geometry) throws {
        self.path = path
        var parameters = ext2_super_block()
        ext2fs_blocks_count_set(&parameters, blk64_t(geometry.blockCount))
        ext2fs_r_blocks_count_set(
            &parameters, blk64_t(geometry.blockCount * UInt64(geometry.reservedBlocksPercent) / 100))
        parameters.s_log_block_size = 2  // 1024 << 2 = 4096
        parameters.s_rev_level = UInt32(EXT2_DYNAMIC_REV)
        parameters.s_inode_size = UInt16(Ext4Geometry.inodeSize)
        parameters.s_inodes_count = UInt32(min(geometry.inodeCount, UInt64(UInt32.max)))
        parameters.s_log_groups_per_flex = 4  // 16 groups per flex group, as mke2fs
        parameters.s_feature_compat = Ext4Features.compat(journal: geometry.journal != .none)
        parameters.s_feature_incompat = Ext4Features.incompat
        parameters.s_feature_ro_compat = Ext4Features.roCompat(readOnly: geometry.readOnly)

        var created: ext2_filsys?
        try check(
            ext2fs_initialize(path, EXT2_FLAG_64BITS, &parameters, slipway_unix_io_manager(), &created),
            "creating the filesystem layout (ext2fs_initialize)", path: path)
        guard let created else {
            throw Ext4Error(operation: "creating the filesystem layout", path: path, reason: .invalid("no handle"))
        }
        fs = created
        // From here on `deinit` frees the handle if anything below throws.
        try check(ext2fs_allocate_tables(created), "placing bitmaps and inode tables", path: path)
    }

    deinit {
        if !closed { ext2fs_free(fs) }
    }

    var superblock: UnsafeMutablePointer<ext2_super_block> { fs.pointee.super }

    var blockCount: UInt64 { UInt64(ext2fs_blocks_count(superblock)) }
    var freeBlocks: UInt64 { UInt64(ext2fs_free_blocks_count(superblock)) }
    var inodeCount: UInt32 { superblock.pointee.s_inodes_count }
    var freeInodes: UInt32 { superblock.pointee.s_free_inodes_count }
    var groupCount: UInt32 { fs.pointee.group_desc_count }

    /// Writes the bitmaps, group descriptors and superblocks (`ext2fs_close2`) and frees the handle.
    /// No fsync: the caller decides about durability when it renames the image into place.
    func close() throws {
        guard !closed else { return }
        try check(ext2fs_close2(fs, EXT2_FLAG_FLUSH_NO_SYNC), "writing the superblocks and bitmaps", path: path)
        closed = true
    }
}

/// The feature set: what Debian 12's mke2fs enables for ext4 (mke2fs.conf base_features plus the ext4
/// type's features), with the journal optional and the read-only flag on request.
enum Ext4Features {
    static func compat(journal: Bool) -> UInt32 {
        var flags = UInt32(EXT2_FEATURE_COMPAT_EXT_ATTR | EXT2_FEATURE_COMPAT_RESIZE_INODE)
        flags |= UInt32(EXT2_FEATURE_COMPAT_DIR_INDEX)
        if journal { flags |= UInt32(EXT3_FEATURE_COMPAT_HAS_JOURNAL) }
        return flags
    }

    static let incompat = UInt32(
        EXT2_FEATURE_INCOMPAT_FILETYPE | EXT3_FEATURE_INCOMPAT_EXTENTS | EXT4_FEATURE_INCOMPAT_64BIT
            | EXT4_FEATURE_INCOMPAT_FLEX_BG)

    static func roCompat(readOnly: Bool) -> UInt32 {
        var flags = UInt32(
            EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER | EXT2_FEATURE_RO_COMPAT_LARGE_FILE
                | EXT4_FEATURE_RO_COMPAT_HUGE_FILE | EXT4_FEATURE_RO_COMPAT_DIR_NLINK)
        flags |= UInt32(EXT4_FEATURE_RO_COMPAT_EXTRA_ISIZE | EXT4_FEATURE_RO_COMPAT_METADATA_CSUM)
        if readOnly { flags |= UInt32(EXT4_FEATURE_RO_COMPAT_READONLY) }
        return flags
    }
}
