import Ext4
import Foundation
import Rootfs
import TestSupport
import Testing

/// Writes a tree holding every kind of node and reads it back with e2fsprogs' own tools.
struct Ext4RoundTripTests {
    static let timestamp: Int64 = 1_700_000_000

    @Test func everyKindOfNodeSurvivesTheRoundTrip() throws {
        let fixture = try Fixture()
        let scratch = try TemporaryDirectory("ext4-roundtrip")
        let image = scratch.file("root.img")
        let result = try Ext4Writer.write(
            tree: fixture.tree, to: image,
            options: Ext4Options(label: "root", seed: Array("round trip".utf8), timestamp: Self.timestamp))

        let fsck = try runTool(["e2fsck", "-fn", image])
        #expect(fsck.status == 0, "e2fsck -fn: \(fsck.stdout)\(fsck.stderr)")

        let paths = fixture.expected.keys.sorted()
        let debugfs = Debugfs(image: image)
        let inodes = try debugfs.stat(paths)
        let dumpable = paths.filter { fixture.expected[$0]?.content != nil || isSlowLink(fixture.expected[$0]) }
        let contents = try debugfs.contents(dumpable, scratch: scratch)
        let xattrs = try debugfs.xattrs(paths, scratch: scratch)

        for path in paths {
            guard let want = fixture.expected[path] else { continue }
            guard let got = inodes[path] else {
                Issue.record("\(path): missing from the image")
                continue
            }
            #expect(got.type == want.type, "\(path): type")
            #expect(got.mode == want.mode, "\(path): mode \(String(got.mode, radix: 8))")
            #expect(got.uid == want.uid && got.gid == want.gid, "\(path): owner \(got.uid):\(got.gid)")
            #expect(got.links == want.links, "\(path): links \(got.links), expected \(want.links)")
            #expect(
                got.atime == Self.timestamp && got.ctime == Self.timestamp && got.crtime == Self.timestamp, "\(path)")
            if path == "/lost+found" {
                #expect(got.mtime == Self.timestamp && got.size == 16384, "\(path)")
            } else {
                #expect(got.mtime == want.mtime, "\(path): mtime \(got.mtime), expected \(want.mtime)")
            }
            if want.type == "directory" {
                #expect(got.size > 0 && got.size % 4096 == 0, "\(path): directory size \(got.size)")
            } else {
                #expect(got.size == want.size, "\(path): size \(got.size), expected \(want.size)")
            }
            if let content = want.content {
                // Compared outside #expect so a failure does not print megabytes.
                let same = contents[path] == content
                #expect(same, "\(path): content differs (\(contents[path]?.count ?? -1) bytes read back)")
            }
            if let maxDataBlocks = want.maxDataBlocks {
                // Blockcount is in 512-byte units and includes extent-tree blocks.
                #expect(got.blockCount / 8 <= maxDataBlocks + 10, "\(path): \(got.blockCount / 8) blocks, not sparse")
            }
            if let target = want.linkTarget {
                if target.utf8.count < 60 {
                    #expect(got.fastLinkTarget == target, "\(path): fast link target")
                    #expect(got.blockCount == 0, "\(path): a fast symlink takes no block")
                } else {
                    #expect(contents[path].map { String(decoding: $0, as: UTF8.self) } == target, "\(path): target")
                    #expect(got.blockCount == 8, "\(path): a slow symlink takes one block")
                }
            }
            if let device = want.device {
                #expect(got.device?.major == device.major && got.device?.minor == device.minor, "\(path): device")
            }
            #expect(xattrs[path] ?? [:] == want.xattrs, "\(path): xattrs")
        }

        // Hard links share the inode.
        #expect(inodes["/links/one"]?.number == inodes["/other/three"]?.number)
        #expect(inodes["/lost+found"]?.number == 11)
        #expect(result.usedInodes == UInt32(Set(inodes.values.map(\.number)).count - 1 + 10))
    }

    private func isSlowLink(_ expected: Expected?) -> Bool {
        guard let target = expected?.linkTarget else { return false }
        return target.utf8.count >= 60
    }

    /// A host file with holes (found with SEEK_DATA, never read) larger than 4 GiB: i_size_high,
    /// extents far into the file, and holes kept.
    @Test func sparseHostFileBeyondFourGiB() throws {
        let scratch = try TemporaryDirectory("ext4-sparse")
        let source = scratch.file("sparse")
        let head = Fixture.pseudoRandom(4096, seed: 9), tail = Fixture.pseudoRandom(8192, seed: 10)
        let tailOffset: Int64 = 5 << 30
        #expect(FileManager.default.createFile(atPath: source, contents: Data(head)))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: source))
        try handle.seek(toOffset: UInt64(tailOffset))
        try handle.write(contentsOf: Data(tail))
        try handle.close()

        let tree = Tree()
        let length = tailOffset + Int64(tail.count)
        try tree.insert(
            Node(
                kind: .regular(.file(path: source, offset: 0, length: length)), metadata: Metadata(permissions: 0o600)),
            at: ["var", "big"])
        let image = scratch.file("big.img")
        try Ext4Writer.write(tree: tree, to: image, options: Ext4Options(seed: [5], timestamp: Self.timestamp))
        #expect(try runTool(["e2fsck", "-fn", image]).status == 0)

        let debugfs = Debugfs(image: image)
        let inode = try #require(try debugfs.stat(["/var/big"])["/var/big"])
        #expect(inode.size == length)
        #expect(inode.blockCount == 3 * 8, "three data blocks, everything else holes")
        // `ex` lines: level, entries, logical start - end, physical start - end, length.
        let extents = (try debugfs.run(["ex /var/big"]).first ?? "").split(separator: "\n").dropFirst().map {
            $0.split(separator: " ").map(String.init)
        }
        #expect(extents.map { [$0[4], $0[6]] } == [["0", "0"], ["1310720", "1310721"]])
        // The head block reads back; the tail is checked through its blocks' contents.
        let dumped = try debugfs.run(["bd -f /var/big 0", "bd -f /var/big 1310721"])
        #expect(dumped.count == 2 && dumped[0].hasPrefix(Self.hexLine(head, at: 0)), "\(dumped.first ?? "")")
        #expect(dumped.count == 2 && dumped[1].hasPrefix(Self.hexLine(tail, at: 4096)))
    }

    /// The first line of `debugfs bd` for a block starting at `bytes[offset]`.
    static func hexLine(_ bytes: [UInt8], at offset: Int) -> String {
        let words = stride(from: 0, to: 16, by: 2).map { start in
            bytes[(offset + start)..<(offset + start + 2)].map { String(format: "%02x", $0) }.joined()
        }
        return "0000  " + words.joined(separator: " ")
    }
}
