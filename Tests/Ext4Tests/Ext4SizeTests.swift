import Ext4
import Foundation
import Rootfs
import TestSupport
import Testing

/// Fixed and automatic sizes, and the error for a tree that does not fit.
struct Ext4SizeTests {
    static func tree(fileBytes: Int) throws -> Tree {
        let tree = Tree()
        try tree.insert(
            Node(
                kind: .regular(.inline([UInt8](repeating: 0xA5, count: fileBytes))),
                metadata: Metadata(permissions: 0o644)),
            at: ["data"])
        return tree
    }

    @Test func aTreeLargerThanAFixedSizeFailsBeforeWritingAndLeavesNoFile() throws {
        let scratch = try TemporaryDirectory("ext4-size")
        let image = scratch.file("small.img")
        let error = #expect(throws: Ext4Error.self) {
            try Ext4Writer.write(
                tree: try Self.tree(fileBytes: 2 << 20), to: image, options: Ext4Options(size: .fixed(1 << 20)))
        }
        // 512 data blocks, the root directory and lost+found's 4 blocks, and 3 inodes (root, lost+found,
        // the file), against a 1 MiB image: 256 blocks less 9 of metadata, 64 inodes less 9 reserved.
        #expect(
            error?.reason
                == .doesNotFit(
                    neededBytes: 517 * 4096, availableBytes: 247 * 4096, neededInodes: 3, availableInodes: 55))
        #expect(error?.operation == "checking the size")
        #expect(
            error?.description
                == "ext4: \(image): checking the size: the tree needs 2117632 bytes (2.1 MiB) of data and metadata "
                + "but the image has 1011712 bytes (1.0 MiB) free; use a larger fixed size or an automatic size")
        #expect(!FileManager.default.fileExists(atPath: image))

        // The available figures agree with dumpe2fs: an empty tree (5 blocks, 2 inodes) in the same size.
        try Ext4Writer.write(tree: Tree(), to: image, options: Ext4Options(size: .fixed(1 << 20)))
        let fields = try Ext4ImageTests.superblock(image)
        #expect(fields["Free blocks"] == "\(247 - 5)")
        #expect(fields["Free inodes"] == "\(55 - 2)")
    }

    @Test func aFixedSizeIsTheFileSize() throws {
        let scratch = try TemporaryDirectory("ext4-size")
        let image = scratch.file("fixed.img")
        let result = try Ext4Writer.write(
            tree: try Self.tree(fileBytes: 100_000), to: image, options: Ext4Options(size: .fixed(64 << 20)))
        #expect(result.sizeBytes == 64 << 20)
        let attributes = try FileManager.default.attributesOfItem(atPath: image)
        #expect((attributes[.size] as? NSNumber)?.int64Value == 64 << 20)
        #expect(try runTool(["e2fsck", "-fn", image]).status == 0)
    }

    /// Automatic sizes hold the tree plus the headroom and are whole MiB.
    @Test(arguments: [(0, 0), (100_000, 0), (30 << 20, 0), (30 << 20, 50)])
    func automaticSizesFitWithHeadroom(fileBytes: Int, percent: Int) throws {
        let scratch = try TemporaryDirectory("ext4-size")
        let image = scratch.file("auto.img")
        let minimum: Int64 = 1 << 20
        let result = try Ext4Writer.write(
            tree: try Self.tree(fileBytes: fileBytes), to: image,
            options: Ext4Options(size: .automatic(headroomPercent: percent, minimumHeadroom: minimum)))
        #expect(result.sizeBytes % (1 << 20) == 0)
        let freeBytes = Int64(result.blockCount - result.usedBlocks) * 4096
        #expect(freeBytes >= max(Int64(fileBytes) * Int64(percent) / 100, minimum))
        // Not wastefully large either: within a few MiB of what the headroom asks for.
        #expect(freeBytes <= max(Int64(fileBytes) * Int64(percent) / 100, minimum) + (3 << 20))
        #expect(try runTool(["e2fsck", "-fn", image]).status == 0)
    }
}
