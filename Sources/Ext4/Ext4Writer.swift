public import Rootfs

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes ext4 filesystem images from a `Tree` through libext2fs, without mounting anything and
/// without privileges: owners, modes, device nodes, xattrs, hard links and times are written into the
/// image directly.
///
/// The image gets what Debian 12's mke2fs gives ext4 (4 KiB blocks, 256-byte inodes, extents, 64bit,
/// flex_bg, huge_file, dir_nlink, extra_isize, metadata_csum, filetype, sparse_super, large_file,
/// resize_inode, dir_index, ext_attr), except that the journal is off unless asked for. The same tree
/// and options always give the same bytes: the UUID and hash seed come from `Ext4Options.seed`, every
/// time from `Ext4Options.timestamp` or the nodes' mtimes, and blocks are allocated in walk order.
public enum Ext4Writer {
    /// Writes `tree` as an ext4 image at `path`, creating or truncating it. On failure the partial file
    /// is removed. Write beside the final name and rename into place to publish atomically.
    ///
    /// - Throws: `Ext4Error`; a tree that does not fit a `.fixed` size fails before any of its data is
    ///   written, with the needed and available sizes.
    @discardableResult
    public static func write(tree: Tree, to path: String, options: Ext4Options) throws -> Ext4Result {
        try validate(options)
        let plan = try Ext4Plan(tree: tree)
        let descriptor = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard descriptor >= 0 else { throw systemError("creating the image file", path: path) }
        do {
            let result = try write(plan: plan, descriptor: descriptor, path: path, options: options)
            guard close(descriptor) == 0 else { throw systemError("closing the image file", path: path) }
            return result
        } catch {
            _ = close(descriptor)
            unlink(path)
            throw error
        }
    }

    private static func write(plan: Ext4Plan, descriptor: Int32, path: String, options: Ext4Options) throws
        -> Ext4Result
    {
        let filesystem = try Ext4Sizing.createFilesystem(
            plan: plan, descriptor: descriptor, path: path, options: options)
        let writer = try Ext4TreeWriter(filesystem: filesystem, image: descriptor, timestamp: options.timestamp)
        for planned in plan.inodes {
            try writer.write(planned)
        }
        try filesystem.finish()
        let result = filesystem.result(sizeBytes: Int64(lseek(descriptor, 0, SEEK_END)))
        try filesystem.close()
        return result
    }

    static func validate(_ options: Ext4Options) throws {
        func invalid(_ rule: String) -> Ext4Error {
            Ext4Error(operation: "checking the options", reason: .invalid(rule))
        }
        guard options.label.utf8.count <= 16 else {
            throw invalid("label \"\(options.label)\" is \(options.label.utf8.count) bytes; ext4 allows at most 16")
        }
        guard (0...Ext4Time.inodeRange.upperBound).contains(options.timestamp) else {
            throw invalid(
                "timestamp \(options.timestamp) is outside 0...\(Ext4Time.inodeRange.upperBound) (1970 to 2446)")
        }
        guard (0...50).contains(options.reservedBlocksPercent) else {
            throw invalid("reservedBlocksPercent \(options.reservedBlocksPercent) is outside 0...50")
        }
        guard options.bytesPerInode >= 1024 else {
            throw invalid("bytesPerInode \(options.bytesPerInode) is below 1024")
        }
        switch options.size {
        case .fixed(let bytes):
            guard bytes > 0, bytes % Int64(Ext4Geometry.blockSize) == 0 else {
                throw invalid("fixed size \(bytes) is not a positive multiple of \(Ext4Geometry.blockSize) bytes")
            }
        case .automatic(let percent, let minimum):
            guard percent >= 0, minimum >= 0 else {
                throw invalid("automatic size headroom must not be negative (\(percent)%, \(minimum) bytes)")
            }
        }
    }
}
