import Archive
// A merged tree written as one image layer: an uncompressed pax tar, members in the tree's walk order
// (parents first, names in byte order), header fields only from the tree, so the same tree gives the
// same bytes on any machine. Its SHA-256 is the layer's diff_id.
import FileHashing
import Foundation
import Hashing
import Rootfs

enum LayerTarWriter {
    /// What was written.
    struct Written {
        /// Lower-case hex SHA-256 of the tar.
        var sha256: String
        var size: Int64
    }

    /// Writes `tree` (everything below its root directory) as a tar at `path`.
    ///
    /// Nodes shared by several entries (hard links) are written once and then as hard-link members
    /// naming the first path. Sockets are left out: tar has no type for them, and docker drops them
    /// from layers too; the process that listens on a socket creates it when it starts.
    static func write(_ tree: Tree, to path: String, label: String) throws -> Written {
        let writer = try ArchiveWriter(path: path, format: .paxTar)
        var firstPath: [ObjectIdentifier: String] = [:]
        try tree.walk { absolute, node in
            guard absolute != "/" else { return }
            let member = String(absolute.dropFirst())
            var entry = ArchiveEntry(
                path: member, type: .regular, permissions: node.metadata.permissions, uid: node.metadata.uid,
                gid: node.metadata.gid, modificationTime: node.metadata.modificationTime)
            entry.xattrs = node.metadata.xattrs.map { ($0.name, $0.value) }
            if !node.isDirectory {
                let identity = ObjectIdentifier(node)
                if let first = firstPath[identity] {
                    entry.type = .hardlink
                    entry.linkTarget = first
                    entry.xattrs = []
                    try writer.write(entry)
                    return
                }
                firstPath[identity] = member
            }
            switch node.kind {
            case .regular(.inline(let bytes)):
                try writer.write(entry, bytes: bytes)
            case .regular(.file(let host, let offset, let length)):
                try writer.write(entry, contentsOf: host, offset: offset, length: length)
            case .directory:
                entry.type = .directory
                try writer.write(entry)
            case .symlink(let target):
                entry.type = .symlink
                entry.linkTarget = target
                try writer.write(entry)
            case .characterDevice(let major, let minor):
                entry.type = .characterDevice
                (entry.deviceMajor, entry.deviceMinor) = (major, minor)
                try writer.write(entry)
            case .blockDevice(let major, let minor):
                entry.type = .blockDevice
                (entry.deviceMajor, entry.deviceMinor) = (major, minor)
                try writer.write(entry)
            case .fifo:
                entry.type = .fifo
                try writer.write(entry)
            case .socket:
                firstPath[ObjectIdentifier(node)] = nil
            }
        }
        try writer.close()
        let size = try fileSize(path, label: label)
        return Written(sha256: try FileHashing.sha256Hex(ofFile: path), size: size)
    }

    static func fileSize(_ path: String, label: String) throws -> Int64 {
        guard let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int64 else {
            throw BuildError(operation: "write \(label)", path: path, message: "the written file cannot be read back")
        }
        return size
    }
}
