import Ext4
import Foundation
import Rootfs
import TestSupport
import Testing

/// Filesystem-level properties of written images, read back with dumpe2fs, blkid and cmp.
struct Ext4ImageTests {
    static func smallTree() throws -> Tree {
        let tree = Tree(root: Metadata(permissions: 0o755, modificationTime: 100))
        try tree.insert(
            Node(
                kind: .regular(.inline(Array("data".utf8))),
                metadata: Metadata(permissions: 0o644, modificationTime: 200)),
            at: ["etc", "file"])
        try tree.insert(
            Node(kind: .symlink(target: "file"), metadata: Metadata(permissions: 0o777)), at: ["etc", "link"])
        return tree
    }

    /// dumpe2fs -h as "Field name" → value.
    static func superblock(_ image: String) throws -> [String: String] {
        let output = try runTool(["dumpe2fs", "-h", image], environment: ["TZ": "UTC"])
        #expect(output.status == 0, "dumpe2fs: \(output.stderr)")
        var fields: [String: String] = [:]
        for line in output.stdout.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return fields
    }

    @Test func twoWritesOfTheSameTreeAreIdentical() throws {
        let fixture = try Fixture()
        let scratch = try TemporaryDirectory("ext4-repro")
        let options = Ext4Options(label: "same", seed: [7, 7, 7], timestamp: 1_234_567_890, journal: .automatic)
        try Ext4Writer.write(tree: fixture.tree, to: scratch.file("a.img"), options: options)
        // A second tree built the same way: equal content, distinct objects, a later wall clock.
        let again = try Fixture()
        Thread.sleep(forTimeInterval: 1.1)
        try Ext4Writer.write(tree: again.tree, to: scratch.file("b.img"), options: options)
        let cmp = try runTool(["cmp", scratch.file("a.img"), scratch.file("b.img")])
        #expect(cmp.status == 0, "images differ: \(cmp.stdout)")
    }

    @Test func uuidAndHashSeedComeFromTheSeed() throws {
        let scratch = try TemporaryDirectory("ext4-uuid")
        let first = try Ext4Writer.write(
            tree: try Self.smallTree(), to: scratch.file("a.img"), options: Ext4Options(label: "ROOT-A", seed: [1]))
        let second = try Ext4Writer.write(
            tree: try Self.smallTree(), to: scratch.file("b.img"), options: Ext4Options(seed: [1]))
        let other = try Ext4Writer.write(
            tree: try Self.smallTree(), to: scratch.file("c.img"), options: Ext4Options(seed: [2]))
        #expect(first.uuid == second.uuid)
        #expect(first.uuid != other.uuid)

        let blkid = try runTool(["blkid", "-p", "-o", "export", scratch.file("a.img")])
        #expect(blkid.stdout.contains("UUID=\(first.uuid)\n"), "blkid: \(blkid.stdout)")
        #expect(blkid.stdout.contains("LABEL=ROOT-A\n"))
        #expect(blkid.stdout.contains("TYPE=ext4\n"))
        let seeds = try [scratch.file("a.img"), scratch.file("c.img")].map {
            try Self.superblock($0)["Directory Hash Seed"]
        }
        #expect(seeds[0] != nil && seeds[0] != seeds[1])
    }

    @Test func readOnlyFeatureAndTimesAreInTheSuperblock() throws {
        let scratch = try TemporaryDirectory("ext4-ro")
        let image = scratch.file("ro.img")
        try Ext4Writer.write(
            tree: try Self.smallTree(), to: image,
            options: Ext4Options(seed: [3], timestamp: 1_700_000_000, readOnly: true))
        let fields = try Self.superblock(image)
        let features = fields["Filesystem features"]?.split(separator: " ").map(String.init) ?? []
        for feature in [
            "read-only", "ext_attr", "resize_inode", "dir_index", "filetype", "extent", "64bit", "flex_bg",
            "sparse_super", "large_file", "huge_file", "dir_nlink", "extra_isize", "metadata_csum",
        ] {
            #expect(features.contains(feature), "missing \(feature) in \(features)")
        }
        #expect(!features.contains("has_journal"))
        #expect(fields["Block size"] == "4096")
        #expect(fields["Inode size"] == "256")
        #expect(fields["Reserved block count"] == "0")
        let when = "Tue Nov 14 22:13:20 2023"
        #expect(fields["Filesystem created"] == when)
        #expect(fields["Last write time"] == when)
        #expect(fields["Last checked"] == when)
        #expect(fields["Last mount time"] == "n/a")
        #expect(try runTool(["e2fsck", "-fn", image]).status == 0)
    }

    @Test func journalAndTimestampZero() throws {
        let scratch = try TemporaryDirectory("ext4-journal")
        let image = scratch.file("state.img")
        try Ext4Writer.write(
            tree: try Self.smallTree(), to: image,
            options: Ext4Options(seed: [4], timestamp: 0, journal: .automatic, reservedBlocksPercent: 5))
        let fields = try Self.superblock(image)
        #expect(fields["Filesystem features"]?.contains("has_journal") == true)
        #expect(fields["Total journal blocks"] == "1024")
        // 0 is a real time here, not "use the clock".
        #expect(fields["Last write time"] == "Thu Jan  1 00:00:00 1970")
        let blocks = Int(fields["Block count"] ?? "") ?? 0
        #expect(Int(fields["Reserved block count"] ?? "") == blocks * 5 / 100)
        let fsck = try runTool(["e2fsck", "-fn", image])
        #expect(fsck.status == 0, "\(fsck.stdout)")
    }

    /// A tree that brings its own lost+found keeps it, as inode 11 with its metadata and entries.
    @Test func aTreesOwnLostAndFoundIsKept() throws {
        let tree = Tree()
        try tree.insert(
            Node(kind: .directory, metadata: Metadata(permissions: 0o700, uid: 0, gid: 0, modificationTime: 99)),
            at: ["lost+found"])
        try tree.insert(
            Node(kind: .regular(.inline([1, 2, 3])), metadata: Metadata(permissions: 0o600)), at: ["lost+found", "#12"])
        try tree.insert(Node(kind: .directory, metadata: .directoryDefault), at: ["a"])
        let scratch = try TemporaryDirectory("ext4-lpf")
        let image = scratch.file("lpf.img")
        try Ext4Writer.write(tree: tree, to: image, options: Ext4Options(seed: [6]))
        let fsck = try runTool(["e2fsck", "-fn", image])
        #expect(fsck.status == 0, "\(fsck.stdout)")
        let inodes = try Debugfs(image: image).stat(["/lost+found", "/lost+found/#12", "/a"])
        #expect(inodes["/lost+found"]?.number == 11)
        #expect(inodes["/lost+found"]?.mtime == 99)
        #expect(inodes["/lost+found"]?.size == 16384)
        #expect(inodes["/lost+found/#12"]?.size == 3)
        #expect(inodes["/a"]?.number == 12)
    }
}
