// Whole-tree figures that image writers size their filesystems with, and the clamping of
// timestamps that makes builds reproducible.

/// Counts and sizes of a tree. Kinds, content and xattrs are counted per inode (a hard-linked file
/// once); `entries` counts every directory entry.
public struct TreeSummary: Sendable, Hashable {
    public var directories = 0
    public var regularFiles = 0
    public var symlinks = 0
    public var characterDevices = 0
    public var blockDevices = 0
    public var fifos = 0
    public var sockets = 0
    /// Distinct nodes, the root included: the inodes a filesystem needs.
    public var inodes = 0
    /// Directory entries, the root excluded: each path once, hard links included.
    public var entries = 0
    /// Bytes of regular file contents, each inode once.
    public var contentBytes: Int64 = 0
    /// Bytes of symbolic link targets (ext4 stores targets of 60 bytes or more in a block).
    public var symlinkTargetBytes: Int64 = 0
    /// Bytes of extended attribute names and values.
    public var xattrBytes: Int64 = 0
    /// The newest modification time of any node, the root included.
    public var newestModificationTime: Int64 = .min

    public init() {}
}

extension Tree {
    /// Counts the tree's nodes by kind, its content bytes and its newest mtime.
    public func summary() -> TreeSummary {
        var summary = TreeSummary()
        var seen = Set<ObjectIdentifier>()
        walk { path, node in
            if path != "/" { summary.entries += 1 }
            guard seen.insert(ObjectIdentifier(node)).inserted else { return }
            summary.inodes += 1
            summary.newestModificationTime = max(summary.newestModificationTime, node.metadata.modificationTime)
            for xattr in node.metadata.xattrs { summary.xattrBytes += Int64(xattr.name.utf8.count + xattr.value.count) }
            switch node.kind {
            case .directory: summary.directories += 1
            case .regular(let content):
                summary.regularFiles += 1
                summary.contentBytes += content.length
            case .symlink(let target):
                summary.symlinks += 1
                summary.symlinkTargetBytes += Int64(target.utf8.count)
            case .characterDevice: summary.characterDevices += 1
            case .blockDevice: summary.blockDevices += 1
            case .fifo: summary.fifos += 1
            case .socket: summary.sockets += 1
            }
        }
        return summary
    }

    /// Sets every modification time newer than `epoch` to `epoch` (SOURCE_DATE_EPOCH), so files
    /// made during the build do not carry the build's time.
    public func clampModificationTimes(to epoch: Int64) {
        walk { _, node in
            if node.metadata.modificationTime > epoch { node.metadata.modificationTime = epoch }
        }
    }
}
