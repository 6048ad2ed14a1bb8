import Foundation
import TestSupport
import Testing
import Verity

/// Hash trees checked by veritysetup (cryptsetup) with `--no-superblock` and the same parameters:
/// files of one block, of a size that is no block multiple, across the 128-digest boundaries of
/// the levels, a sparse gibibyte, and a real ext4 image; a changed byte is refused; trees are
/// byte-identical across runs.
struct VerityTreeTests {
    static let salt = Array(0..<32).map { UInt8($0 * 7 & 0xff) }

    /// Writes `size` bytes of a pattern (or holes, with `sparse`) with data at `dataAt` offsets.
    func makeFile(_ path: String, size: Int, sparse: Bool = false, dataAt: [Int] = []) throws {
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        if sparse {
            try handle.truncate(atOffset: UInt64(size))
            for offset in dataAt {
                try handle.seek(toOffset: UInt64(offset))
                handle.write(Data((0..<4096).map { UInt8(($0 * 31 + offset / 4096) & 0xff) }))
            }
        } else {
            var bytes = [UInt8](repeating: 0, count: size)
            for index in 0..<size where index % 4096 < 3000 { bytes[index] = UInt8((index * 13 + index / 4096) & 0xff) }
            handle.write(Data(bytes))
        }
    }

    func veritysetupVerify(_ path: String, _ tree: VerityTree) throws -> CommandResult {
        try runTool([
            "veritysetup", "verify", "--no-superblock", "--format=1", "--hash=sha256", "--data-block-size=4096",
            "--hash-block-size=4096", "--data-blocks=\(tree.dataBlocks)", "--hash-offset=\(tree.hashOffset)",
            "--salt=\(tree.saltHex)", path, path, tree.rootHashHex,
        ])
    }

    @Test(arguments: [
        ("one block", 4096), ("not a block multiple", 4096 * 5 + 1234), ("128 blocks", 4096 * 128),
        ("129 blocks", 4096 * 129), ("three levels", 4096 * (128 * 128 + 5)),
    ])
    func veritysetupAcceptsTheTree(label: String, size: Int) throws {
        let directory = try TemporaryDirectory("verity")
        let path = directory.file("data")
        try makeFile(path, size: size)
        let tree = try Verity.appendHashTree(toFile: path, salt: Self.salt)
        let blocks = UInt64((size + 4095) / 4096)
        #expect(tree.dataBlocks == blocks, "\(label)")
        #expect(tree.treeSize == Verity.treeSize(dataBlocks: blocks))
        let fileSize = try FileManager.default.attributesOfItem(atPath: path)[.size] as? UInt64
        #expect(fileSize == tree.hashOffset + tree.treeSize)
        let result = try veritysetupVerify(path, tree)
        #expect(result.status == 0, "\(label): \(result.stderr)")
    }

    @Test func aChangedDataByteIsRefused() throws {
        let directory = try TemporaryDirectory("verity")
        let path = directory.file("data")
        try makeFile(path, size: 4096 * 300)
        let tree = try Verity.appendHashTree(toFile: path, salt: Self.salt)
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        try handle.seek(toOffset: 4096 * 200 + 17)
        let byte = try #require(try handle.read(upToCount: 1)?.first)
        try handle.seek(toOffset: 4096 * 200 + 17)
        handle.write(Data([byte ^ 0x01]))
        try handle.close()
        let result = try veritysetupVerify(path, tree)
        #expect(result.status != 0)
        #expect(
            result.stderr.contains("Verification failed") || result.stderr.contains("corrupted"), "\(result.stderr)")
    }

    @Test func aSparseGibibyteHashesItsHolesWithoutReadingThem() throws {
        let directory = try TemporaryDirectory("verity")
        let path = directory.file("sparse")
        try makeFile(path, size: 1 << 30, sparse: true, dataAt: [0, 4096 * 1000, (1 << 30) - 4096])
        let started = Date()
        let tree = try Verity.appendHashTree(toFile: path, salt: Self.salt)
        let seconds = Date().timeIntervalSince(started)
        #expect(tree.dataBlocks == 262_144)
        #expect(tree.treeSize == (2048 + 16 + 1) * 4096)
        // Not a timing assertion: a gibibyte read and hashed block by block takes seconds here.
        print("sparse 1 GiB: tree of \(tree.treeSize) bytes in \(String(format: "%.2f", seconds)) s")
        let result = try veritysetupVerify(path, tree)
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test func anExt4ImageVerifiesAndTheTreeIsByteIdenticalAcrossRuns() throws {
        let directory = try TemporaryDirectory("verity")
        var digests: [String] = []
        for run in 0..<2 {
            let path = directory.file("root\(run).ext4")
            let made = try runTool(
                [
                    "mkfs.ext4", "-q", "-F", "-b", "4096", "-U", "5f3b0a1e-8d2c-4c3e-9a51-0b6a1d2e3f40",
                    "-E", "hash_seed=5f3b0a1e-8d2c-4c3e-9a51-0b6a1d2e3f40", "-d",
                    packageRoot().appendingPathComponent("docs").path,
                    path, "16M",
                ], environment: ["E2FSPROGS_FAKE_TIME": "1700000000"])
            #expect(made.status == 0, "\(made.stderr)")
            let tree = try Verity.appendHashTree(toFile: path, salt: Self.salt)
            #expect(tree.dataBlocks == 4096)
            let result = try veritysetupVerify(path, tree)
            #expect(result.status == 0, "\(result.stderr)")
            // The filesystem still reads back: the tree sits after its last block.
            let check = try runTool(["e2fsck", "-fn", path])
            #expect(check.status == 0, "\(check.stdout)")
            digests.append(try runTool(["sha256sum", path]).stdout.prefix(64).description + tree.rootHashHex)
        }
        #expect(digests[0] == digests[1])
    }

    @Test func anEmptyFileIsRefusedWithItsPath() throws {
        let directory = try TemporaryDirectory("verity")
        let path = directory.file("empty")
        FileManager.default.createFile(atPath: path, contents: nil)
        #expect(throws: VerityError.self) { try Verity.appendHashTree(toFile: path, salt: Self.salt) }
        do {
            _ = try Verity.appendHashTree(toFile: path, salt: Self.salt)
        } catch {
            #expect("\(error)" == "\(path): hash: the file is empty; there is nothing to verify")
        }
    }

    @Test(arguments: [(1, 0), (2, 1), (128, 1), (129, 3), (16384, 129), (16385, 132)] as [(UInt64, UInt64)])
    func levelSizesMatchTheKernels(dataBlocks: UInt64, hashBlocks: UInt64) {
        #expect(Verity.levelSizes(dataBlocks: dataBlocks).reduce(0, +) == hashBlocks)
    }
}
