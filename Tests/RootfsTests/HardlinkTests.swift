import Rootfs
import TestSupport
import Testing

/// Hard links resolve to a node already in the tree and share it.
@Suite struct HardlinkTests {
    @Test func linksInOneLayerShareTheNode() throws {
        let workspace = try Workspace()
        let assembler = workspace.assembler()
        try assembler.apply(
            try workspace.tarLayers([
                [.file("usr/bin/a", "same", mode: 0o755), .hardlink("usr/bin/b", to: "usr/bin/a")]
            ]))
        let a = try #require(assembler.tree.node(at: "/usr/bin/a"))
        let b = try #require(assembler.tree.node(at: "/usr/bin/b"))
        #expect(a === b)
        #expect(
            try assembler.tree.node(at: "/usr/bin/b").map { node -> [UInt8] in
                guard case .regular(let content) = node.kind else { return [] }
                return try content.readBytes()
            } == Array("same".utf8))
        #expect(assembler.tree.summary().inodes == 4)  // root, usr, bin, the file
    }

    @Test func linksReachLowerLayersAndSurviveReplacement() throws {
        let workspace = try Workspace()
        let assembler = workspace.assembler()
        try assembler.apply(
            try workspace.tarLayers([
                [.file("a", "lower")], [.hardlink("b", to: "a")], [.file("a", "replaced")],
            ]))
        let a = try #require(assembler.tree.node(at: "/a"))
        let b = try #require(assembler.tree.node(at: "/b"))
        #expect(a !== b, "replacing one name gives it a new inode; the other link keeps the old one")
        guard case .regular(let old) = b.kind, case .regular(let new) = a.kind else {
            Issue.record("expected regular files")
            return
        }
        #expect(try old.readBytes() == Array("lower".utf8))
        #expect(try new.readBytes() == Array("replaced".utf8))
    }

    @Test(arguments: [
        ([[Member.hardlink("b", to: "missing")]], RootfsError.Rule.hardlinkTargetMissing("missing")),
        ([[Member.hardlink("b", to: "later"), .file("later")]], .hardlinkTargetMissing("later")),
        ([[Member.file("a")], [.whiteout("a"), .hardlink("b", to: "a")]], .hardlinkTargetMissing("a")),
        ([[Member.dir("d")], [.hardlink("b", to: "d")]], .hardlinkToDirectory("d")),
        (
            [[Member.file("etc/passwd"), .symlink("l", to: "etc")], [.hardlink("b", to: "l/passwd")]],
            .hardlinkTargetMissing("l/passwd")
        ),
    ])
    func unresolvableLinksAreErrors(layers: [[Member]], rule: RootfsError.Rule) throws {
        let workspace = try Workspace()
        let sources = try workspace.tarLayers(layers)
        guard case .tar(let last) = sources.last else { return }
        #expect(throws: RootfsError(layer: last, entry: "b", rule: rule)) {
            try workspace.assembler().apply(sources)
        }
    }

    /// A target that escapes is refused like a name, and the error names the link, the entry at fault.
    @Test(arguments: [
        ("../../etc/shadow", #"".." is not allowed in layer paths"#),
        ("/etc/shadow", "absolute paths are not allowed in layer paths; names must be relative to the layer root"),
    ])
    func hardlinkTargetsAreValidatedLikeNames(target: String, reason: String) throws {
        let workspace = try Workspace()
        let sources = try workspace.tarLayers([[.hardlink("b", to: target)]])
        guard case .tar(let path) = sources[0] else { return }
        let expected = RootfsError(
            layer: path, entry: "b", rule: .invalidHardlinkTarget(target: target, reason: reason))
        #expect(throws: expected) { try workspace.assembler().apply(sources) }
        #expect(expected.description.hasSuffix(#": entry "b": hard link target "\#(target)": \#(reason)"#))
    }
}
