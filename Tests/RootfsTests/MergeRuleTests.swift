import Foundation
import Rootfs
import TestSupport
import Testing

/// One whiteout or opaque-directory scenario: layers bottom first, and the paths the tree must hold.
struct MergeCase: Sendable, CustomTestStringConvertible {
    var name: String
    var layers: [[Member]]
    var expected: [String]
    var testDescription: String { name }
}

/// The OCI "Representing Changes" rules, layer by layer.
@Suite struct MergeRuleTests {
    static let cases: [MergeCase] = [
        MergeCase(
            name: "whiteout deletes a file of a lower layer",
            layers: [[.file("a/x"), .file("a/y")], [.whiteout("a/x")]],
            expected: ["/a", "/a/y"]),
        MergeCase(
            name: "whiteout deletes a whole directory",
            layers: [[.dir("d"), .file("d/e/f"), .file("keep")], [.whiteout("d")]],
            expected: ["/keep"]),
        MergeCase(
            name: "whiteout and re-creation in one layer",
            layers: [[.file("d/old")], [.whiteout("d"), .file("d/new")]],
            expected: ["/d", "/d/new"]),
        MergeCase(
            name: "whiteout after the same layer's entry does not delete it",
            layers: [[.file("d/old")], [.file("d/new"), .whiteout("d")]],
            expected: ["/d", "/d/new"]),
        MergeCase(
            name: "whiteout of a missing path is harmless",
            layers: [[.file("a")], [.whiteout("nothing"), .whiteout("no/such/dir")]],
            expected: ["/a"]),
        MergeCase(
            name: "whiteout under a file or device deletes nothing",
            layers: [
                [.file("f"), Member(name: "null", kind: .char, major: 1, minor: 3)],
                [.whiteout("f/x"), .whiteout("null/x"), .opaque("f")],
            ],
            expected: ["/f", "/null"]),
        MergeCase(
            name: "whiteout of a symlink deletes the link, not its target",
            layers: [[.file("etc/passwd"), .symlink("link", to: "/etc")], [.whiteout("link")]],
            expected: ["/etc", "/etc/passwd"]),
        MergeCase(
            name: "deleted then restored by a third layer",
            layers: [[.file("a", "1")], [.whiteout("a")], [.file("a", "3")]],
            expected: ["/a"]),
        MergeCase(
            name: "opaque directory hides lower children",
            layers: [[.file("d/a"), .file("d/b"), .file("e/a")], [.dir("d"), .opaque("d"), .file("d/c")]],
            expected: ["/d", "/d/c", "/e", "/e/a"]),
        MergeCase(
            name: "opaque marker after the same layer's children keeps them",
            layers: [[.file("d/a"), .file("d/sub/x")], [.file("d/c"), .dir("d/sub2"), .opaque("d")]],
            expected: ["/d", "/d/c", "/d/sub2"]),
        MergeCase(
            name: "opaque root",
            layers: [[.file("a"), .file("b/c")], [.opaque(""), .file("c")]],
            expected: ["/c"]),
        MergeCase(
            name: "opaque nested directory only",
            layers: [[.file("d/a"), .file("d/s/x")], [.opaque("d/s"), .file("d/s/y")]],
            expected: ["/d", "/d/a", "/d/s", "/d/s/y"]),
        MergeCase(
            name: "file replaces a directory and its subtree",
            layers: [[.file("d/x/y"), .file("d/z")], [.file("d", "now a file")]],
            expected: ["/d"]),
        MergeCase(
            name: "directory replaces a file",
            layers: [[.file("d", "file")], [.dir("d"), .file("d/x")]],
            expected: ["/d", "/d/x"]),
        MergeCase(
            name: "directory over directory keeps children",
            layers: [[.dir("d", mode: 0o700), .file("d/x")], [.dir("d", mode: 0o755), .file("d/y")]],
            expected: ["/d", "/d/x", "/d/y"]),
        MergeCase(
            name: "missing parents are created",
            layers: [[.file("a/b/c/d")]],
            expected: ["/a", "/a/b", "/a/b/c", "/a/b/c/d"]),
    ]

    @Test(arguments: cases)
    func layersMergeToTheExpectedPaths(_ scenario: MergeCase) throws {
        let workspace = try Workspace()
        let assembler = workspace.assembler()
        try assembler.apply(try workspace.tarLayers(scenario.layers))
        #expect(assembler.tree.paths == scenario.expected)
        #expect(!assembler.tree.paths.contains { $0.contains(".wh.") }, "whiteouts must never appear")
    }

    @Test func laterEntriesReplaceEarlierOnes() throws {
        let workspace = try Workspace()
        let assembler = workspace.assembler()
        try assembler.apply(
            try workspace.tarLayers([
                [.file("x", "first"), .file("x", "second")], [.symlink("x", to: "/target")],
            ]))
        #expect(assembler.tree.node(at: "/x")?.kind == .symlink(target: "/target"))
    }

    @Test func directoryOverDirectoryTakesTheNewMetadata() throws {
        let workspace = try Workspace()
        let assembler = workspace.assembler()
        try assembler.apply(
            try workspace.tarLayers([
                [.dir("d", mode: 0o700, uid: 5, gid: 6, mtime: 100), .file("d/x")],
                [.dir("d", mode: 0o1777, uid: 0, gid: 0, mtime: 200)],
            ]))
        let directory = try #require(assembler.tree.node(at: "/d"))
        #expect(directory.metadata == Metadata(permissions: 0o1777, uid: 0, gid: 0, modificationTime: 200))
        #expect(directory.sortedNames == ["x"])
    }

    @Test func rootEntryUpdatesTheRootsMetadata() throws {
        let workspace = try Workspace()
        let assembler = workspace.assembler()
        try assembler.apply(try workspace.tarLayers([[.dir("./", mode: 0o755, mtime: 42), .file("./etc/x")]]))
        #expect(assembler.tree.root.metadata.modificationTime == 42)
        #expect(assembler.tree.paths == ["/etc", "/etc/x"])
        // Created parents: 0755 root directories.
        #expect(assembler.tree.node(at: "/etc")?.metadata == .directoryDefault)
    }
}
