import Foundation
import Rootfs

/// Builds a `Tree` from a host directory the way an overlay layer would: regular files referenced by
/// path (their bytes are read only when the image is written), symlinks, directories, device nodes,
/// owners, modes, mtimes, and hard links folded by (device, inode).
enum HostTree {
    struct Summary {
        var files = 0
        var directories = 0
        var symlinks = 0
        var bytes: Int64 = 0
    }

    static func load(_ directory: String) throws -> (Tree, Summary) {
        var info = stat()
        guard lstat(directory, &info) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        let tree = Tree(root: metadata(info))
        var summary = Summary()
        var seen: [String: Node] = [:]
        try add(directory: directory, at: [], tree: tree, summary: &summary, seen: &seen)
        return (tree, summary)
    }

    private static func metadata(_ info: stat) -> Metadata {
        Metadata(
            permissions: UInt16(info.st_mode & 0o7777), uid: info.st_uid, gid: info.st_gid,
            modificationTime: Int64(info.st_mtim.tv_sec))
    }

    private static func add(
        directory: String, at components: [String], tree: Tree, summary: inout Summary, seen: inout [String: Node]
    ) throws {
        summary.directories += 1
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        for name in names {
            let path = directory + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            let child: Node
            let key = "\(info.st_dev):\(info.st_ino)"
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                child = Node(kind: .directory, metadata: metadata(info))
                try tree.insert(child, at: components + [name])
                try add(directory: path, at: components + [name], tree: tree, summary: &summary, seen: &seen)
                continue
            case S_IFREG:
                if info.st_nlink > 1, let existing = seen[key] {
                    child = existing
                } else {
                    child = Node(
                        kind: .regular(.file(path: path, offset: 0, length: Int64(info.st_size))),
                        metadata: metadata(info))
                    summary.files += 1
                    summary.bytes += Int64(info.st_size)
                    if info.st_nlink > 1 { seen[key] = child }
                }
            case S_IFLNK:
                let target = try FileManager.default.destinationOfSymbolicLink(atPath: path)
                child = Node(kind: .symlink(target: target), metadata: metadata(info))
                summary.symlinks += 1
            default:
                continue
            }
            try tree.insert(child, at: components + [name])
        }
    }
}
