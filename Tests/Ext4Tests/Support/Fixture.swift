import Foundation
import Rootfs
import TestSupport

/// What one path of a written image must look like.
struct Expected {
    var type: String
    var mode: Int
    var uid = 0
    var gid = 0
    var size: Int64 = 0
    var links = 1
    var mtime: Int64 = 0
    var content: [UInt8]?
    var linkTarget: String?
    var device: (major: Int, minor: Int)?
    var xattrs: [String: [UInt8]] = [:]
    /// Data blocks the file may take at most (holes), in 4 KiB blocks.
    var maxDataBlocks: Int64?
}

/// A tree with every kind of node, the host files it points into, and what each path must become.
struct Fixture {
    let tree = Tree(root: Metadata(permissions: 0o755, modificationTime: 1_600_000_000))
    let host: TemporaryDirectory
    var expected: [String: Expected] = [:]

    /// Bytes that look random but are the same on every run.
    static func pseudoRandom(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed &* 6_364_136_223_846_793_005 &+ 1
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }

    init() throws {
        host = try TemporaryDirectory("ext4-fixture")
        let root = tree.root.metadata
        expected["/"] = Expected(type: "directory", mode: 0o755, size: 4096, links: 0, mtime: root.modificationTime)

        // Regular files: empty, small inline, large and sliced from a host file, sparse, fragmented.
        try file("/empty", .inline([]), Metadata(permissions: 0o644, modificationTime: 0), content: [])
        let small = Array("hello, ext4\n".utf8)
        try file(
            "/etc/small", .inline(small), Metadata(permissions: 0o600, uid: 1, gid: 2, modificationTime: -1),
            content: small)

        let large = Self.pseudoRandom(5 << 20 | 123, seed: 1)
        let largePath = host.file("large")
        try Data(large).write(to: URL(fileURLWithPath: largePath))
        try file(
            "/usr/lib/large", .file(path: largePath, offset: 0, length: Int64(large.count)),
            Metadata(permissions: 0o755, modificationTime: 1_700_000_000), content: large)
        let slice = Array(large[12_345..<(12_345 + 300_001)])
        try file(
            "/usr/lib/slice", .file(path: largePath, offset: 12_345, length: Int64(slice.count)),
            Metadata(permissions: 0o644, modificationTime: 5_000_000_000), content: slice)

        // 10 MiB with data in three blocks: the rest must stay holes.
        var sparse = [UInt8](repeating: 0, count: 10 << 20)
        for offset in [1 << 20, 7 << 20, (10 << 20) - 100] {
            for index in 0..<100 { sparse[offset + index] = UInt8(index + 1) }
        }
        let sparsePath = host.file("sparse")
        try Data(sparse).write(to: URL(fileURLWithPath: sparsePath))
        try file(
            "/var/sparse", .file(path: sparsePath, offset: 0, length: Int64(sparse.count)),
            Metadata(permissions: 0o640, uid: 70_000, gid: 80_000, modificationTime: 1_000), content: sparse,
            maxDataBlocks: 3)

        // Every other block zero: 1400 extents, more than a depth-1 tree below i_block holds.
        var alternating = [UInt8](repeating: 0, count: 2800 * 4096)
        let noise = Self.pseudoRandom(4096, seed: 2)
        for block in stride(from: 0, to: 2800, by: 2) {
            alternating.replaceSubrange((block * 4096)..<((block + 1) * 4096), with: noise)
            alternating[block * 4096] = UInt8(truncatingIfNeeded: block)
        }
        try file(
            "/var/alternating", .inline(alternating), Metadata(permissions: 0o644), content: alternating,
            maxDataBlocks: 1400)

        // Modes: setuid, setgid, sticky; owners above 65535.
        try file(
            "/usr/bin/su", .inline([0x7f, 0x45]), Metadata(permissions: 0o4755, modificationTime: 42),
            content: [0x7f, 0x45])
        try file(
            "/usr/bin/wall", .inline([1]), Metadata(permissions: 0o2755, gid: 5, modificationTime: 43), content: [1])
        try directory("/tmp", Metadata(permissions: 0o1777, modificationTime: 44))
        try directory("/home/user", Metadata(permissions: 0o700, uid: 100_000, gid: 200_000, modificationTime: 45))

        // Deep directories and a directory of many entries (several directory blocks).
        try file("/deep/a/b/c/d/e/f/g/h/leaf", .inline([9]), Metadata(permissions: 0o444), content: [9])
        for index in 0..<300 {
            let name = String(repeating: "n", count: index % 40) + "entry-\(index)"
            try file(
                "/many/\(name)", .inline([UInt8(index % 256)]), Metadata(permissions: 0o644),
                content: [UInt8(index % 256)])
        }

        // Symlinks: fast (in the inode) and slow (in a block).
        try symlink("/usr/bin/fast", "../lib/large")
        try symlink("/usr/bin/slow", "/" + String(repeating: "long-directory-name/", count: 10) + "target")
        try symlink("/usr/bin/edge59", String(repeating: "x", count: 59))
        try symlink("/usr/bin/edge60", String(repeating: "y", count: 60))

        // Hard links: three names, one inode.
        let shared = Node(kind: .regular(.inline(Array("shared".utf8))), metadata: Metadata(permissions: 0o644))
        for path in ["/links/one", "/links/two", "/other/three"] {
            try tree.insert(shared, at: TreePath.components(path))
            expected[path] = Expected(type: "regular", mode: 0o644, size: 6, links: 3, content: Array("shared".utf8))
        }

        // Special files.
        try special("/dev/null", .characterDevice(major: 1, minor: 3), "character special", (1, 3))
        try special("/dev/sda", .blockDevice(major: 8, minor: 0), "block special", (8, 0))
        try special("/dev/nvme", .blockDevice(major: 259, minor: 70_000), "block special", (259, 70_000))
        try special("/run/fifo", .fifo, "FIFO", nil)
        try special("/run/socket", .socket, "socket", nil)

        // Xattrs: a file capability, user attributes, and one too large for the inode (xattr block).
        let capability: [UInt8] = [1, 0, 0, 2, 0, 0x20, 0, 0] + [UInt8](repeating: 0, count: 12)
        let xattrs = [
            ExtendedAttribute(name: "security.capability", value: capability),
            ExtendedAttribute(name: "user.comment", value: Array("ping".utf8)),
        ]
        try file(
            "/usr/bin/ping", .inline([0xAA]), Metadata(permissions: 0o755, xattrs: xattrs), content: [0xAA],
            xattrs: xattrs)
        let big = [ExtendedAttribute(name: "user.big", value: Self.pseudoRandom(700, seed: 3))]
        try file("/usr/bin/big-xattr", .inline([]), Metadata(permissions: 0o644, xattrs: big), content: [], xattrs: big)
        try directory(
            "/xattr-dir", Metadata(permissions: 0o755, xattrs: [ExtendedAttribute(name: "user.d", value: [1])]))
        expected["/xattr-dir"]?.xattrs = ["user.d": [1]]

        fillDirectoryExpectations()
    }

    private mutating func file(
        _ path: String, _ content: FileContent, _ metadata: Metadata, content bytes: [UInt8],
        maxDataBlocks: Int64? = nil, xattrs: [ExtendedAttribute] = []
    ) throws {
        try tree.insert(Node(kind: .regular(content), metadata: metadata), at: TreePath.components(path))
        expected[path] = Expected(
            type: "regular", mode: Int(metadata.permissions), uid: Int(metadata.uid), gid: Int(metadata.gid),
            size: Int64(bytes.count), mtime: metadata.modificationTime, content: bytes,
            xattrs: Dictionary(uniqueKeysWithValues: xattrs.map { ($0.name, $0.value) }), maxDataBlocks: maxDataBlocks)
    }

    private mutating func directory(_ path: String, _ metadata: Metadata) throws {
        try tree.insert(Node(kind: .directory, metadata: metadata), at: TreePath.components(path))
        expected[path] = Expected(
            type: "directory", mode: Int(metadata.permissions), uid: Int(metadata.uid), gid: Int(metadata.gid),
            size: 4096, links: 0, mtime: metadata.modificationTime)
    }

    private mutating func symlink(_ path: String, _ target: String) throws {
        try tree.insert(
            Node(kind: .symlink(target: target), metadata: Metadata(permissions: 0o777, modificationTime: 7)),
            at: TreePath.components(path))
        expected[path] = Expected(
            type: "symlink", mode: 0o777, size: Int64(target.utf8.count), mtime: 7, linkTarget: target)
    }

    private mutating func special(_ path: String, _ kind: NodeKind, _ type: String, _ device: (Int, Int)?) throws {
        try tree.insert(
            Node(kind: kind, metadata: Metadata(permissions: 0o666, uid: 3, gid: 4, modificationTime: 8)),
            at: TreePath.components(path))
        expected[path] = Expected(type: type, mode: 0o666, uid: 3, gid: 4, mtime: 8, device: device)
    }

    /// Directories created implicitly get the default metadata; every directory's link count is
    /// 2 plus its subdirectories (lost+found included at the root).
    private mutating func fillDirectoryExpectations() {
        tree.walk { path, node in
            guard node.isDirectory else { return }
            var entry = expected[path] ?? Expected(type: "directory", mode: 0o755, size: 4096)
            let subdirectories = node.entries.values.filter(\.isDirectory).count
            entry.links = 2 + subdirectories + (path == "/" ? 1 : 0)
            expected[path] = entry
        }
        expected["/lost+found"] = Expected(type: "directory", mode: 0o700, size: 16384, links: 2)
    }
}
