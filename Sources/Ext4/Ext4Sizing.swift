import CExt2fs

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Chooses the filesystem's size and inode count, creates it (with its reserved inodes, resize
/// inode and journal), and checks that the tree fits before any of the tree is written.
enum Ext4Sizing {
    static let blockSize = UInt64(Ext4Geometry.blockSize)
    /// Automatic sizes are whole MiB, so partitions built around them stay aligned.
    static let granule = UInt64(1 << 20) / blockSize

    static func createFilesystem(plan: Ext4Plan, descriptor: Int32, path: String, options: Ext4Options) throws
        -> Ext4Filesystem
    {
        let neededBlocks = plan.blocksNeeded
        let neededInodes = UInt64(plan.inodesNeeded)
        switch options.size {
        case .fixed(let bytes):
            let blocks = UInt64(bytes) / blockSize
            let filesystem = try create(
                blocks: blocks, inodes: inodeCount(blocks: blocks, minimum: neededInodes, options: options),
                descriptor: descriptor, path: path, options: options, reuse: false)
            let freeInodes = UInt64(filesystem.freeInodes)
            guard filesystem.freeBlocks >= neededBlocks, freeInodes >= neededInodes else {
                throw Ext4Error(
                    operation: "checking the size", path: path,
                    reason: .doesNotFit(
                        neededBytes: Int64(neededBlocks * blockSize),
                        availableBytes: Int64(filesystem.freeBlocks * blockSize),
                        neededInodes: Int(neededInodes), availableInodes: Int(freeInodes)))
            }
            return filesystem

        case .automatic(let percent, let minimumBytes):
            let headroom = max(neededBlocks * UInt64(percent) / 100, (UInt64(minimumBytes) + blockSize - 1) / blockSize)
            let targetBlocks = neededBlocks + headroom
            let targetInodes = neededInodes + neededInodes * UInt64(percent) / 100 + 16
            // A first guess just above the target; each retry adds what was missing.
            var blocks = roundUp(targetBlocks + targetInodes * UInt64(Ext4Geometry.inodeSize) / blockSize + 64)
            if options.journal != .none { blocks = max(blocks, Ext4Geometry.minimumJournalledBlocks) }
            for attempt in 0..<32 {
                let inodes = inodeCount(blocks: blocks, minimum: targetInodes, options: options)
                let filesystem = try create(
                    blocks: blocks, inodes: inodes, descriptor: descriptor, path: path, options: options,
                    reuse: attempt > 0)
                let freeBlocks = filesystem.freeBlocks
                let freeInodes = UInt64(filesystem.freeInodes)
                if freeBlocks >= targetBlocks && freeInodes >= targetInodes { return filesystem }
                var missing = freeBlocks < targetBlocks ? targetBlocks - freeBlocks : 0
                if freeInodes < targetInodes {
                    missing += (targetInodes - freeInodes) * UInt64(Ext4Geometry.inodeSize) / blockSize + 1
                }
                blocks = roundUp(blocks + missing)
            }
            throw Ext4Error(
                operation: "choosing the size", path: path,
                reason: .invalid("no size was found for \(neededBlocks) blocks and \(neededInodes) inodes"))
        }
    }

    /// One inode per `bytesPerInode` bytes, but at least the reserved inodes plus `minimum`.
    static func inodeCount(blocks: UInt64, minimum: UInt64, options: Ext4Options) -> UInt64 {
        max(blocks * blockSize / UInt64(options.bytesPerInode), minimum + UInt64(Ext4Geometry.firstInode))
    }

    static func roundUp(_ blocks: UInt64) -> UInt64 { (blocks + granule - 1) / granule * granule }

    /// Sizes the image file and creates a filesystem of `blocks` blocks in it, with everything mke2fs
    /// puts there before the tree: superblock fields, reserved inodes, resize inode, journal. `reuse`
    /// says an earlier, too small attempt wrote into the file, so its blocks are zeroed first.
    static func create(
        blocks: UInt64, inodes: UInt64, descriptor: Int32, path: String, options: Ext4Options, reuse: Bool
    ) throws -> Ext4Filesystem {
        if reuse { try zero(descriptor, path: path) }
        guard ftruncate(descriptor, off_t(blocks * blockSize)) == 0 else {
            throw systemError("sizing the image file to \(blocks * blockSize) bytes", path: path)
        }
        let geometry = Ext4Geometry(
            blockCount: blocks, inodeCount: inodes, reservedBlocksPercent: options.reservedBlocksPercent,
            journal: options.journal, readOnly: options.readOnly)
        let filesystem = try Ext4Filesystem(path: path, geometry: geometry)
        filesystem.configureSuperblock(
            identity: Ext4Identity(seed: options.seed), label: Array(options.label.utf8), timestamp: options.timestamp)
        try filesystem.reserveSpecialInodes()
        try filesystem.createJournal(options.journal)
        return filesystem
    }

    /// Makes the whole file read as zeros. Punching a hole keeps ext4 from flushing the file when it is
    /// closed, which a truncation to 0 would trigger (its "replace by truncate" heuristic, auto_da_alloc).
    static func zero(_ descriptor: Int32, path: String) throws {
        #if os(Linux)
            let size = lseek(descriptor, 0, SEEK_END)
            if size >= 0, slipway_punch_hole(descriptor, size) == 0 { return }
        #endif
        guard ftruncate(descriptor, 0) == 0 else { throw systemError("emptying the image file", path: path) }
    }
}
