import Foundation
import Rootfs
import TestSupport
import Testing

/// Everything a tar member carries reaches the tree: types, owners, modes, mtimes, xattrs, bytes.
@Suite struct MetadataTests {
    static let capability: [UInt8] = [1, 0, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]

    static let members: [Member] = [
        Member(name: "dev/null", kind: .char, mode: 0o666, mtime: 1_000, major: 1, minor: 3),
        Member(name: "dev/sda", kind: .block, mode: 0o660, gid: 6, major: 8, minor: 16),
        Member(name: "run/initctl", kind: .fifo, mode: 0o600, uid: 0, gid: 0),
        Member(
            name: "usr/bin/ping", data: Array("ELF".utf8), mode: 0o4755, mtime: 1_234,
            xattrs: ["security.capability": capability, "user.blob": [0xff, 0x00, 0x80]]),
        Member(name: "home/u/f", data: Array("data".utf8), mode: 0o640, uid: 1000, gid: 1001, mtime: 99),
        Member(name: "big", patternSize: 1_500_000),
        .symlink("etc/localtime", to: "/usr/share/zoneinfo/UTC"),
        .dir("tmp", mode: 0o1777),
        .file("empty"),
    ]

    @Test(arguments: Compression.allCases)
    func membersKeepTheirMetadata(_ compression: Compression) throws {
        let workspace = try Workspace()
        let assembler = workspace.assembler()
        try assembler.apply(try workspace.tarLayers([Self.members], compression: compression))
        let tree = assembler.tree

        #expect(tree.node(at: "/dev/null")?.kind == .characterDevice(major: 1, minor: 3))
        #expect(tree.node(at: "/dev/null")?.metadata == Metadata(permissions: 0o666, modificationTime: 1_000))
        #expect(tree.node(at: "/dev/sda")?.kind == .blockDevice(major: 8, minor: 16))
        #expect(tree.node(at: "/dev/sda")?.metadata.gid == 6)
        #expect(tree.node(at: "/run/initctl")?.kind == .fifo)
        #expect(tree.node(at: "/run/initctl")?.metadata.permissions == 0o600)
        #expect(tree.node(at: "/etc/localtime")?.kind == .symlink(target: "/usr/share/zoneinfo/UTC"))
        #expect(tree.node(at: "/tmp")?.metadata.permissions == 0o1777)
        #expect(tree.node(at: "/empty")?.kind == .regular(.empty))

        let ping = try #require(tree.node(at: "/usr/bin/ping"))
        #expect(ping.metadata.permissions == 0o4755 && ping.metadata.modificationTime == 1_234)
        #expect(
            ping.metadata.xattrs == [
                ExtendedAttribute(name: "security.capability", value: Self.capability),
                ExtendedAttribute(name: "user.blob", value: [0xff, 0x00, 0x80]),
            ])

        let home = try #require(tree.node(at: "/home/u/f"))
        #expect(home.metadata == Metadata(permissions: 0o640, uid: 1000, gid: 1001, modificationTime: 99))
        #expect(try content(home).readBytes() == Array("data".utf8))

        let big = try content(try #require(tree.node(at: "/big")))
        #expect(try big.readBytes() == Member.pattern(1_500_000))
        guard case .file(let path, _, let length) = big else {
            Issue.record("big must be a file range")
            return
        }
        #expect(length == 1_500_000)
        // Compressed layers spill into the store; an uncompressed tar is referenced where it lies.
        #expect(path == (compression == .none ? workspace.input("layer1.tar") : workspace.store.path))
    }

    /// A symbolic link is 0777 whatever mode its tar header carries, as Linux creates links and as
    /// the OCI reference unpackers leave them.
    @Test(arguments: [0o644, 0o755, 0o000, 0o777])
    func symlinksAreAlways0777(headerMode: Int) throws {
        let workspace = try Workspace()
        let assembler = workspace.assembler()
        let link = Member(name: "etc/mtab", kind: .symlink, mode: headerMode, link: "../proc/self/mounts")
        try assembler.apply(try workspace.tarLayers([[link]]))
        #expect(assembler.tree.node(at: "/etc/mtab")?.metadata.permissions == 0o777)
    }

    /// Sizes around the store's packing limits, and enough files to fill several packed regions.
    @Test func storedContentReadsBackExactly() throws {
        let sizes =
            [1, 511, 4096, 65_535, 65_536, 65_537, 300_000, 1_048_575, 1_048_576, 1_048_577]
            + Array(repeating: 40_000, count: 60)
        let workspace = try Workspace()
        let members = sizes.enumerated().map { Member(name: "f\($0.offset)", patternSize: $0.element) }
        let assembler = workspace.assembler()
        try assembler.apply(try workspace.tarLayers([members], compression: .gzip))
        for (index, size) in sizes.enumerated() {
            let file = try content(try #require(assembler.tree.node(at: "/f\(index)")))
            #expect(try file.readBytes() == Member.pattern(size), "f\(index) of \(size) bytes")
        }
        let total = Int64(sizes.reduce(0, +))
        #expect(workspace.store.reservedBytes >= total && workspace.store.reservedBytes < total + (2 << 20))
    }

    @Test(arguments: ["gnu", "pax"])
    func sparseFilesReadBackWithZeros(format: String) throws {
        let workspace = try Workspace()
        let sparse = workspace.input("sparse")
        try runChecked(["truncate", "-s", "5M", sparse])
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: sparse))
        try handle.seek(toOffset: 3_000_000)
        try handle.write(contentsOf: Data("middle".utf8))
        try handle.close()
        let tar = workspace.input("sparse.tar")
        try runChecked(["tar", "--sparse", "--format=\(format)", "-cf", tar, "-C", workspace.inputs, "sparse"])
        let assembler = workspace.assembler()
        try assembler.apply([.tar(path: tar)])
        let bytes = try content(try #require(assembler.tree.node(at: "/sparse"))).readBytes(limit: 8 << 20)
        #expect(bytes.count == 5 << 20)
        #expect(Array(bytes[3_000_000..<3_000_006]) == Array("middle".utf8))
        #expect(bytes[0..<3_000_000].allSatisfy { $0 == 0 } && bytes[3_000_006...].allSatisfy { $0 == 0 })
        // Sparse data is never referenced in place (its bytes are not contiguous in the tar).
        if case .file(let path, _, _) = try content(try #require(assembler.tree.node(at: "/sparse"))) {
            #expect(path == workspace.store.path)
        }
        #expect(workspace.store.reservedBytes == 5 << 20)
    }
}

/// The content of a regular node, or a recorded issue.
func content(_ node: Node) throws -> FileContent {
    guard case .regular(let content) = node.kind else { throw FixtureError("not a regular file") }
    return content
}
