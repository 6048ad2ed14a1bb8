import Foundation
import Rootfs
import TestSupport
import Testing

/// Figures writers size images with, timestamp clamping, and the content store's lifetime.
@Suite struct TreeSummaryTests {
    @Test func summaryCountsInodesOnce() throws {
        let workspace = try Workspace()
        let assembler = workspace.assembler()
        try assembler.apply(
            try workspace.tarLayers([
                [
                    Member(name: "bin/a", mtime: 500, patternSize: 1000), .hardlink("bin/b", to: "bin/a"),
                    .symlink("lib", to: "usr/lib"), Member(name: "dev/null", kind: .char, major: 1, minor: 3),
                    Member(name: "dev/sda", kind: .block, major: 8, minor: 0), Member(name: "p", kind: .fifo),
                    Member(name: "x", data: [1, 2, 3], mtime: 2_000_000_000, xattrs: ["user.k": [9, 9]]),
                ]
            ]))
        var expected = TreeSummary()
        expected.directories = 3  // root, bin, dev
        expected.regularFiles = 2
        expected.symlinks = 1
        expected.characterDevices = 1
        expected.blockDevices = 1
        expected.fifos = 1
        expected.inodes = 9
        expected.entries = 9
        expected.contentBytes = 1003
        expected.symlinkTargetBytes = 7
        expected.xattrBytes = 8
        expected.newestModificationTime = 2_000_000_000
        #expect(assembler.tree.summary() == expected)

        assembler.tree.clampModificationTimes(to: 1_000)
        #expect(assembler.tree.summary().newestModificationTime == 1_000)
        #expect(assembler.tree.node(at: "/bin/a")?.metadata.modificationTime == 500)
        #expect(assembler.tree.node(at: "/x")?.metadata.modificationTime == 1_000)
    }

    @Test func theStoreLivesInTheNamedDirectoryUntilRemoved() throws {
        let workspace = try Workspace()
        let path = workspace.store.path
        #expect(URL(fileURLWithPath: path).deletingLastPathComponent().path == workspace.output)
        let content = try workspace.store.append(Array("generated".utf8))
        #expect(try content.readBytes() == Array("generated".utf8))
        #expect(try workspace.store.append([]) == .empty)
        workspace.store.remove()
        #expect(!FileManager.default.fileExists(atPath: path))

        var store: ContentStore? = try ContentStore(directory: workspace.output, limit: 4)
        let second = try #require(store?.path)
        #expect(FileManager.default.fileExists(atPath: second))
        #expect(throws: RootfsError(layer: "content store", rule: .contentLimit(limit: 4))) {
            _ = try store?.append([1, 2, 3, 4, 5])
        }
        store = nil
        #expect(!FileManager.default.fileExists(atPath: second), "released stores delete their file")
    }

    @Test func aStoreNeedsAWritableDirectory() {
        #expect(throws: RootfsError.self) { _ = try ContentStore(directory: "/nonexistent/output") }
    }
}
