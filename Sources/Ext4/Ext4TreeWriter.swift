import CExt2fs
import Rootfs

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes the planned inodes into a created filesystem: file data straight into the image file,
/// inodes, directory blocks and extent-tree blocks through libext2fs (which checksums them).
final class Ext4TreeWriter {
    let filesystem: Ext4Filesystem
    let fs: ext2_filsys
    /// The image file, for file data: libext2fs never reads or caches these blocks.
    let image: Int32
    let timestamp: Int64
    /// Where the next allocation starts looking: allocation follows the write order.
    var cursor: UInt64 = 0

    /// File data is read and written through this buffer, a whole number of blocks.
    static let chunkSize = 1 << 20
    let buffer: UnsafeMutableRawPointer
    let zeros: UnsafeMutableRawPointer
    /// A host file being read.
    struct Source {
        var path: String
        var descriptor: Int32
        var size: Int64
        var sparse: Bool
    }
    /// The host file read last: consecutive files often are slices of one content-store file.
    var source: Source?

    init(filesystem: Ext4Filesystem, image: Int32, timestamp: Int64) throws {
        self.filesystem = filesystem
        self.fs = filesystem.fs
        self.image = image
        self.timestamp = timestamp
        buffer = UnsafeMutableRawPointer.allocate(byteCount: Self.chunkSize, alignment: Ext4Geometry.blockSize)
        zeros = UnsafeMutableRawPointer.allocate(byteCount: Ext4Geometry.blockSize, alignment: 16)
        zeros.initializeMemory(as: UInt8.self, repeating: 0, count: Ext4Geometry.blockSize)
    }

    deinit {
        buffer.deallocate()
        zeros.deallocate()
        if let source { close(source.descriptor) }
    }

    /// Writes one planned inode: its data, the inode itself, then the blocks whose checksums
    /// libext2fs derives from the inode, then its xattrs.
    func write(_ planned: Ext4PlannedInode) throws {
        let metadata = planned.node?.metadata ?? Metadata(permissions: 0o700, modificationTime: timestamp)
        let kind = planned.node?.kind ?? .directory
        var inode = makeInode(planned: planned, metadata: metadata, kind: kind)
        var blocksToChecksum: [(block: UInt64, bytes: [UInt8], isDirectory: Bool)] = []

        switch kind {
        case .regular(let content):
            let extents = try writeContent(content, path: planned.path)
            setSize(&inode, UInt64(content.length))
            blocksToChecksum += try mapExtents(&inode, extents, path: planned.path)
        case .directory:
            let minimum = planned.number == Ext4Geometry.firstInode ? Ext4Plan.lostAndFoundBlocks : 1
            let blocks = Ext4Directory.serialize(
                selfInode: planned.number, parentInode: planned.parent, entries: planned.entries,
                minimumBlocks: minimum, blockSize: Ext4Geometry.blockSize)
            var extents = Ext4ExtentList()
            var index = 0
            while index < blocks.count {
                let (start, length) = try filesystem.allocateRun(
                    upTo: UInt64(blocks.count - index), cursor: &cursor, for: planned.path)
                for offset in 0..<Int(length) {
                    blocksToChecksum.append((start + UInt64(offset), blocks[index + offset], true))
                }
                extents.append(logical: UInt32(index), physical: start, length: UInt32(length))
                index += Int(length)
            }
            setSize(&inode, UInt64(blocks.count * Ext4Geometry.blockSize))
            blocksToChecksum += try mapExtents(&inode, extents, path: planned.path)
        case .symlink(let target):
            let bytes = Array(target.utf8)
            setSize(&inode, UInt64(bytes.count))
            if bytes.count < Ext4Plan.fastSymlinkLimit {
                // A fast symlink: the target lives in i_block, and the inode has no extents.
                withUnsafeMutableBytes(of: &inode.i_block) { $0.copyBytes(from: bytes) }
            } else {
                let extents = try bytes.withUnsafeBytes { raw in
                    try store(raw, firstBlock: 0, skipZeroBlocks: false, path: planned.path)
                }
                blocksToChecksum += try mapExtents(&inode, extents, path: planned.path)
            }
        case .characterDevice(let major, let minor), .blockDevice(let major, let minor):
            try encodeDevice(&inode, major: major, minor: minor, path: planned.path)
        case .fifo, .socket:
            break
        }

        try withLargeInode(&inode) { pointer in
            try check(
                ext2fs_write_inode_full(fs, planned.number, pointer, Int32(MemoryLayout<ext2_inode_large>.size)),
                "writing the inode", path: planned.path)
        }
        ext2fs_inode_alloc_stats2(fs, planned.number, 1, kind == .directory ? 1 : 0)
        for var item in blocksToChecksum {
            try item.bytes.withUnsafeMutableBytes { raw in
                guard let base = raw.baseAddress else { return }
                if item.isDirectory {
                    try check(
                        ext2fs_write_dir_block4(fs, blk64_t(item.block), base, 0, planned.number),
                        "writing a directory block", path: planned.path)
                } else {
                    try check(
                        ext2fs_extent_block_csum_set(
                            fs, planned.number, base.assumingMemoryBound(to: ext3_extent_header.self)),
                        "checksumming an extent block", path: planned.path)
                    try check(
                        io_channel_write_blk64(fs.pointee.io, UInt64(item.block), 1, base),
                        "writing an extent block", path: planned.path)
                }
            }
        }
        if !metadata.xattrs.isEmpty {
            try writeXattrs(metadata.xattrs, inode: planned.number, path: planned.path)
        }
    }

    /// An inode with the node's type, permissions, owner, link count and times; size and blocks follow.
    func makeInode(planned: Ext4PlannedInode, metadata: Metadata, kind: NodeKind) -> ext2_inode_large {
        var inode = ext2_inode_large()
        inode.i_mode = Self.typeBits(kind) | (metadata.permissions & 0o7777)
        inode.i_uid = UInt16(truncatingIfNeeded: metadata.uid)
        inode.osd2.linux2.l_i_uid_high = UInt16(truncatingIfNeeded: metadata.uid >> 16)
        inode.i_gid = UInt16(truncatingIfNeeded: metadata.gid)
        inode.osd2.linux2.l_i_gid_high = UInt16(truncatingIfNeeded: metadata.gid >> 16)
        inode.i_links_count = UInt16(planned.links)
        inode.i_extra_isize = UInt16(MemoryLayout<ext2_inode_large>.size - Int(EXT2_GOOD_OLD_INODE_SIZE))
        let (now, nowExtra) = Ext4Time.inodeFields(timestamp)
        let (modified, modifiedExtra) = Ext4Time.inodeFields(metadata.modificationTime)
        inode.i_atime = now
        inode.i_atime_extra = nowExtra
        inode.i_ctime = now
        inode.i_ctime_extra = nowExtra
        inode.i_crtime = now
        inode.i_crtime_extra = nowExtra
        inode.i_mtime = modified
        inode.i_mtime_extra = modifiedExtra
        return inode
    }

    static func typeBits(_ kind: NodeKind) -> UInt16 {
        let bits: Int32
        switch kind {
        case .regular: bits = LINUX_S_IFREG
        case .directory: bits = LINUX_S_IFDIR
        case .symlink: bits = LINUX_S_IFLNK
        case .characterDevice: bits = LINUX_S_IFCHR
        case .blockDevice: bits = LINUX_S_IFBLK
        case .fifo: bits = LINUX_S_IFIFO
        case .socket: bits = LINUX_S_IFSOCK
        }
        return UInt16(bits)
    }

    func setSize(_ inode: inout ext2_inode_large, _ size: UInt64) {
        inode.i_size = UInt32(truncatingIfNeeded: size)
        inode.i_size_high = UInt32(truncatingIfNeeded: size >> 32)
    }

    /// Points the inode at `extents` (building tree blocks when they do not fit in i_block) and sets
    /// its block count. Returns the tree blocks, to be checksummed once the inode is written.
    func mapExtents(_ inode: inout ext2_inode_large, _ extents: Ext4ExtentList, path: String) throws
        -> [(block: UInt64, bytes: [UInt8], isDirectory: Bool)]
    {
        let tree = try Ext4ExtentTree(extents: extents.extents, blockSize: Ext4Geometry.blockSize) {
            try filesystem.allocateRun(upTo: 1, cursor: &cursor, for: path).0
        }
        inode.i_flags |= UInt32(EXT4_EXTENTS_FL)
        withUnsafeMutableBytes(of: &inode.i_block) { $0.copyBytes(from: tree.root) }
        let total = extents.blockCount + UInt64(tree.nodes.count)
        try withLargeInode(&inode) { pointer in
            try check(ext2fs_iblk_set(fs, pointer, blk64_t(total)), "setting the block count", path: path)
        }
        return tree.nodes.map { ($0.block, $0.bytes, false) }
    }

    /// Device numbers as the kernel stores them: the old 8:8 encoding in i_block[0] when both fit,
    /// else the new 12:20 encoding in i_block[1].
    func encodeDevice(_ inode: inout ext2_inode_large, major: UInt32, minor: UInt32, path: String) throws {
        guard major < (1 << 12), minor < (1 << 20) else {
            throw Ext4Error(
                operation: "writing a device node", path: path,
                reason: .invalid("device \(major):\(minor) is out of range (major < 4096, minor < 1048576)"))
        }
        withUnsafeMutableBytes(of: &inode.i_block) { raw in
            let words = raw.bindMemory(to: UInt32.self)
            if major < 256 && minor < 256 {
                words[0] = (major << 8) | minor
            } else {
                words[1] = (minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)
            }
        }
    }

    /// Calls `body` with the inode as the `struct ext2_inode *` libext2fs functions take.
    func withLargeInode<Result>(
        _ inode: inout ext2_inode_large, _ body: (UnsafeMutablePointer<ext2_inode>) throws -> Result
    ) rethrows -> Result {
        try withUnsafeMutablePointer(to: &inode) { pointer in
            try pointer.withMemoryRebound(to: ext2_inode.self, capacity: 1) { try body($0) }
        }
    }
}
