import Ext4
import Foundation
import Hashing
import Rootfs
import TestSupport
import Testing

/// Real layers merged by `RootfsAssembler` (tars with whiteouts and an opaque directory, a sparse
/// member, an OCI layout, an overlay directory) written by the ext4 writer, then every path of the
/// merged tree compared with what debugfs reads back, and the image checked for paths the tree lacks.
struct Ext4LayerRoundTripTests {
    static let timestamp: Int64 = 1_700_000_000
    /// A file capability (VFS_CAP_REVISION_2, cap_net_raw permitted and effective).
    static let capability: [UInt8] = [1, 0, 0, 2, 0, 0x20, 0, 0] + [UInt8](repeating: 0, count: 12)

    /// Writes the layers into `inputs` and returns them in merge order.
    private func layers(in inputs: TemporaryDirectory) throws -> [LayerSource] {
        let longTarget = "/" + String(repeating: "a-long-directory-name/", count: 4) + "target"
        let base = try writeTar(
            [
                .dir("etc"), .file("etc/passwd", "root:x:0:0::/root:/bin/sh\n"),
                .file("etc/shadow", "root:*::0:::::\n", mode: 0o640, gid: 42), .file("etc/motd", "old motd\n"),
                Member(name: "usr/bin/busybox", mode: 0o755, patternSize: 200_000),
                .hardlink("usr/bin/sh", to: "usr/bin/busybox"), .hardlink("usr/bin/ls", to: "usr/bin/busybox"),
                .symlink("bin", to: "usr/bin"), .symlink("usr/lib/long", to: longTarget),
                Member(
                    name: "usr/bin/ping", data: [0x7f, 0x45, 0x4c, 0x46], mode: 0o755,
                    xattrs: ["security.capability": Self.capability, "user.origin": Array("base".utf8)]),
                Member(name: "usr/share/big-xattr", xattrs: ["user.big": Member.pattern(700)]),
                .file("usr/bin/su", "su\n", mode: 0o4755), .dir("tmp", mode: 0o1777),
                Member(name: "dev/null", kind: .char, mode: 0o666, major: 1, minor: 3),
                Member(name: "dev/sda", kind: .block, mode: 0o660, gid: 6, major: 8, minor: 0),
                Member(name: "run/initctl", kind: .fifo, mode: 0o600),
                .file("var/cache/apt/pkgcache.bin", "cache"), .file("var/cache/apt/archives/lock"),
                .file("opt/old/a", "a"), .file("opt/old/b", "b"),
                .file("home/user/notes", "notes\n", mode: 0o600, uid: 100_000, gid: 200_000),
            ], to: inputs.file("base.tar"))

        // Whiteouts of a file and of a directory, an opaque directory refilled, and a new file at a
        // hard link's name (the other names keep the old inode).
        let update = try writeTar(
            [
                .whiteout("etc/motd"), .whiteout("var/cache/apt"), .opaque("opt/old"), .file("opt/old/c", "c"),
                .file("usr/bin/ls", "ls v2\n", mode: 0o755), .file("etc/motd.d/welcome", "hi\n"),
            ], to: inputs.file("update.tar"), compression: .gzip)

        // A sparse member, as GNU tar writes one: 6 MiB with data at 2 MiB and at the end.
        let sparseRoot = inputs.file("sparse-root")
        try FileManager.default.createDirectory(atPath: sparseRoot + "/var/lib", withIntermediateDirectories: true)
        try writeSparse(
            sparseRoot + "/var/lib/disk.img", size: 6 << 20, data: [(2 << 20, "middle"), ((6 << 20) - 3, "end")])
        let sparseTar = inputs.file("sparse.tar")
        try runChecked([
            "tar", "--sparse", "--format=pax", "--owner=0", "--group=0", "-cf", sparseTar, "-C", sparseRoot, "var",
        ])

        // An OCI layout with one gzip layer.
        let oci = try OCIFixture(at: inputs.file("oci"))
        let layer = try oci.addBlob(
            file: try writeTar(
                [
                    .file("srv/app/run", "#!/bin/sh\nexec app\n", mode: 0o755, uid: 1000, gid: 1000),
                    Member(
                        name: "srv/app/config", data: Array("port=80\n".utf8), xattrs: ["user.layer": Array("oci".utf8)]
                    ),
                    .whiteout("usr/bin/su"),
                ], to: inputs.file("oci-layer.tar"), compression: .gzip))
        try oci.writeIndex([try oci.addManifest([(layer, OCIFixture.layerGzip)]).descriptor(OCIFixture.manifestType)])

        // An overlay directory: files, a link, a hard-linked pair and a host file with holes.
        let overlay = inputs.file("overlay")
        try FileManager.default.createDirectory(atPath: overlay + "/usr/local/bin", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: overlay + "/etc", withIntermediateDirectories: true)
        try "layers\n".write(toFile: overlay + "/etc/hostname", atomically: true, encoding: .utf8)
        try "tool\n".write(toFile: overlay + "/usr/local/bin/tool", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: overlay + "/usr/local/bin/tool")
        try FileManager.default.linkItem(
            atPath: overlay + "/usr/local/bin/tool", toPath: overlay + "/usr/local/bin/tool2")
        try FileManager.default.createSymbolicLink(atPath: overlay + "/usr/local/bin/t", withDestinationPath: "tool")
        try FileManager.default.createDirectory(atPath: overlay + "/var/lib", withIntermediateDirectories: true)
        try writeSparse(overlay + "/var/lib/overlay.img", size: 8 << 20, data: [(4 << 20, "overlay")])

        return [
            .tar(path: base), .tar(path: update), .tar(path: sparseTar), .ociLayout(path: oci.directory),
            .directory(path: overlay, uid: 7, gid: 8),
        ]
    }

    /// A file of `size` bytes that holds `data` at the given offsets and holes elsewhere.
    private func writeSparse(_ path: String, size: Int, data: [(Int, String)]) throws {
        try runChecked(["truncate", "-s", "\(size)", path])
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        for (offset, text) in data {
            try handle.seek(toOffset: UInt64(offset))
            try handle.write(contentsOf: Data(text.utf8))
        }
        try handle.close()
    }

    @Test func everyMergedPathReadsBackAsTheTreeHasIt() throws {
        let scratch = try TemporaryDirectory("ext4-layers")
        let store = try ContentStore(directory: scratch.path)
        defer { store.remove() }
        let assembler = RootfsAssembler(store: store)
        try assembler.apply(try layers(in: scratch))
        let tree = assembler.tree
        let image = scratch.file("root.img")
        try Ext4Writer.write(
            tree: tree, to: image,
            options: Ext4Options(label: "root", seed: Array("layers".utf8), timestamp: Self.timestamp))

        let fsck = try runTool(["e2fsck", "-fn", image])
        #expect(fsck.status == 0, "e2fsck -fn: \(fsck.stdout)\(fsck.stderr)")

        // The merge did what the layers say, so the comparison below covers those cases.
        for gone in ["/etc/motd", "/var/cache/apt", "/opt/old/a", "/usr/bin/su"] {
            #expect(tree.node(at: gone) == nil, "\(gone) was deleted by a later layer")
        }
        for kept in ["/opt/old/c", "/var/lib/disk.img", "/srv/app/run", "/usr/local/bin/tool2", "/etc/hostname"] {
            #expect(tree.node(at: kept) != nil, "\(kept)")
        }

        var paths: [String] = []
        var names: [ObjectIdentifier: Int] = [:]
        tree.walk { path, node in
            if path != "/" { paths.append(path) }
            names[ObjectIdentifier(node), default: 0] += 1
        }
        let debugfs = Debugfs(image: image)
        let listing = try debugfs.listing()
        #expect(Set(listing.keys).subtracting(["/lost+found"]) == Set(paths), "the image holds what the tree holds")

        let all = ["/"] + paths
        let inodes = try debugfs.stat(all)
        let regular = all.filter { if case .regular = tree.node(at: $0)?.kind { true } else { false } }
        let digests = try debugfs.sha256(regular, scratch: scratch)
        let slowLinks = all.filter {
            if case .symlink(let target) = tree.node(at: $0)?.kind { target.utf8.count >= 60 } else { false }
        }
        let slowTargets = try debugfs.contents(slowLinks, scratch: scratch)
        let xattrs = try debugfs.xattrs(all, scratch: scratch)

        var inodeOfNode: [ObjectIdentifier: Int] = [:]
        for path in all {
            guard let node = tree.node(at: path) else { continue }
            guard let got = inodes[path] else {
                Issue.record("\(path): missing from the image")
                continue
            }
            let metadata = node.metadata
            #expect(got.type == Self.debugfsType(node.kind), "\(path): type \(got.type)")
            #expect(got.mode == Int(metadata.permissions), "\(path): mode \(String(got.mode, radix: 8))")
            #expect(
                got.uid == Int(metadata.uid) && got.gid == Int(metadata.gid), "\(path): owner \(got.uid):\(got.gid)")
            #expect(got.mtime == metadata.modificationTime, "\(path): mtime \(got.mtime)")
            let want = Dictionary(uniqueKeysWithValues: metadata.xattrs.map { ($0.name, $0.value) })
            #expect(xattrs[path] ?? [:] == want, "\(path): xattrs \(xattrs[path]?.keys.sorted() ?? [])")
            // Hard links: every name of one tree node is one inode, with that many links.
            let identity = ObjectIdentifier(node)
            if let number = inodeOfNode[identity] {
                #expect(got.number == number, "\(path): a hard link of inode \(number)")
            }
            inodeOfNode[identity] = got.number
            switch node.kind {
            case .regular(let content):
                #expect(got.links == names[identity], "\(path): links \(got.links)")
                #expect(got.size == content.length, "\(path): size \(got.size), expected \(content.length)")
                #expect(digests[path] == (try Self.sha256(content)), "\(path): content")
            case .directory:
                let subdirectories = node.entries.values.filter(\.isDirectory).count + (path == "/" ? 1 : 0)
                #expect(got.links == 2 + subdirectories, "\(path): links \(got.links)")
            case .symlink(let target):
                #expect(got.size == Int64(target.utf8.count), "\(path): size")
                let stored = got.fastLinkTarget ?? slowTargets[path].map { String(decoding: $0, as: UTF8.self) }
                #expect(stored == target, "\(path): target \(stored ?? "none")")
            case .characterDevice(let major, let minor), .blockDevice(let major, let minor):
                #expect(got.device?.major == Int(major) && got.device?.minor == Int(minor), "\(path): device")
            case .fifo, .socket:
                #expect(got.size == 0, "\(path): size")
            }
        }

        // Holes stay holes: both sparse files take a few blocks, not megabytes.
        for path in ["/var/lib/disk.img", "/var/lib/overlay.img"] {
            let inode = try #require(inodes[path])
            #expect(inode.size >= 6 << 20 && inode.blockCount * 512 <= 64 << 10, "\(path): \(inode.blockCount) sectors")
        }
        #expect(inodes["/usr/bin/busybox"]?.links == 2, "the new /usr/bin/ls left busybox and sh")
        #expect(xattrs["/usr/bin/ping"]?["security.capability"] == Self.capability)
    }

    /// debugfs's word for a node's type.
    static func debugfsType(_ kind: NodeKind) -> String {
        switch kind {
        case .regular: "regular"
        case .directory: "directory"
        case .symlink: "symlink"
        case .characterDevice: "character special"
        case .blockDevice: "block special"
        case .fifo: "FIFO"
        case .socket: "socket"
        }
    }

    /// The SHA-256 of a file's bytes in the tree, read in chunks.
    static func sha256(_ content: FileContent) throws -> String {
        var digest = SHA256()
        try content.forEachChunk { digest.update($0) }
        return hex(digest.finalize())
    }
}
