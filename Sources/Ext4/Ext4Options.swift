/// How large the image is.
public enum Ext4Size: Sendable, Equatable {
    /// The smallest image that holds the tree with its metadata, plus headroom: `headroomPercent` percent
    /// of the tree's blocks, but at least `minimumHeadroom` bytes, rounded up to a whole MiB. The inode
    /// count gets the same percentage on top of the inodes the tree uses.
    case automatic(headroomPercent: Int = 5, minimumHeadroom: Int64 = 4 << 20)
    /// Exactly this many bytes (a multiple of 4096). A tree that does not fit fails before any data is
    /// written, with the needed and available sizes in the message.
    case fixed(Int64)
}

/// Whether the image has a journal and how large it is.
public enum Ext4Journal: Sendable, Equatable {
    /// No journal: right for read-only roots, which are never written after the build.
    case none
    /// The size mke2fs would choose for the filesystem's size (`ext2fs_get_journal_params`).
    case automatic
    /// A journal of this many 4 KiB blocks (at least 1024).
    case blocks(Int)
}

/// Everything about the image that does not come from the tree.
public struct Ext4Options: Sendable, Equatable {
    public var size: Ext4Size
    /// The volume label (at most 16 bytes of UTF-8), shown by blkid as LABEL.
    public var label: String
    /// Bytes from which the filesystem UUID and the directory hash seed are derived (SHA-256), so the
    /// same profile and inputs give the same image. Callers pass e.g. the profile name and slot.
    public var seed: [UInt8]
    /// Seconds since the epoch used for every filesystem-level time (creation, last write, last check)
    /// and as the access, change and creation time of every inode. Usually SOURCE_DATE_EPOCH.
    public var timestamp: Int64
    /// Sets the `read-only` feature, so the kernel mounts the filesystem read-only whatever is asked.
    public var readOnly: Bool
    public var journal: Ext4Journal
    /// Blocks reserved for root, in percent of all blocks. 0 suits images nobody fills at run time.
    public var reservedBlocksPercent: Int
    /// One inode per this many bytes of image, as mke2fs's inode_ratio; raised when the tree needs more.
    public var bytesPerInode: Int

    public init(
        size: Ext4Size = .automatic(), label: String = "", seed: [UInt8] = [], timestamp: Int64 = 0,
        readOnly: Bool = false, journal: Ext4Journal = .none, reservedBlocksPercent: Int = 0,
        bytesPerInode: Int = 16384
    ) {
        self.size = size
        self.label = label
        self.seed = seed
        self.timestamp = timestamp
        self.readOnly = readOnly
        self.journal = journal
        self.reservedBlocksPercent = reservedBlocksPercent
        self.bytesPerInode = bytesPerInode
    }
}

/// What was written.
public struct Ext4Result: Sendable, Equatable {
    /// The image's size in bytes (blocks × block size).
    public var sizeBytes: Int64
    public var blockSize: Int
    public var blockCount: UInt64
    /// Blocks in use: filesystem metadata, the journal and the tree's data.
    public var usedBlocks: UInt64
    public var inodeCount: UInt32
    public var usedInodes: UInt32
    /// The filesystem UUID in its usual text form (what `blkid` prints as UUID).
    public var uuid: String

    /// A result recorded earlier (a root image reused from a cache).
    public init(
        sizeBytes: Int64, blockSize: Int, blockCount: UInt64, usedBlocks: UInt64, inodeCount: UInt32,
        usedInodes: UInt32, uuid: String
    ) {
        self.sizeBytes = sizeBytes
        self.blockSize = blockSize
        self.blockCount = blockCount
        self.usedBlocks = usedBlocks
        self.inodeCount = inodeCount
        self.usedInodes = usedInodes
        self.uuid = uuid
    }
}
