import Foundation
import Rootfs
import TestSupport
import Testing

/// Whiteouts that would reach outside their directory or through a symbolic link are refused with
/// their rule; opaque markers in the root act on the root alone.
@Suite struct HostileWhiteoutTests {
    struct Refused: Sendable, CustomTestStringConvertible {
        var name: String
        var layers: [[Member]]
        var entry: String
        var rule: RootfsError.Rule
        var testDescription: String { name }
    }

    static let base: [Member] = [.file("etc/passwd", "root:x:0:0::/root:/bin/sh\n"), .file("etc/sub/x"), .file("a/x")]

    static let refused: [Refused] = [
        Refused(
            name: "whiteout of ..", layers: [base, [.file("a/.wh...")]], entry: "a/.wh...",
            rule: .whiteoutOutsideDirectory(".wh...")),
        Refused(
            name: "whiteout of . (the directory itself)", layers: [base, [.file("a/.wh..")]], entry: "a/.wh..",
            rule: .whiteoutOutsideDirectory(".wh..")),
        Refused(
            name: "whiteout of .. in the root", layers: [base, [.file(".wh...")]], entry: ".wh...",
            rule: .whiteoutOutsideDirectory(".wh...")),
        Refused(
            name: "whiteout of .. behind ./", layers: [base, [.file("./a/./.wh...")]], entry: "./a/./.wh...",
            rule: .whiteoutOutsideDirectory(".wh...")),
        Refused(
            name: "whiteout through an absolute symlink",
            layers: [base + [.symlink("link", to: "/etc")], [.whiteout("link/passwd")]],
            entry: "link/.wh.passwd", rule: .parentIsSymlink("/link")),
        Refused(
            name: "whiteout through a relative symlink deeper down",
            layers: [base + [.symlink("a/up", to: "../etc")], [.whiteout("a/up/sub/x")]],
            entry: "a/up/sub/.wh.x", rule: .parentIsSymlink("/a/up")),
        Refused(
            name: "whiteout through a symlink of the same layer's lower half",
            layers: [base, [.symlink("link", to: "etc")], [.whiteout("link/passwd"), .dir("link")]],
            entry: "link/.wh.passwd", rule: .parentIsSymlink("/link")),
        Refused(
            name: "opaque marker in a symlinked directory",
            layers: [base + [.symlink("link", to: "/etc")], [.opaque("link")]],
            entry: "link/.wh..wh..opq", rule: .parentIsSymlink("/link")),
    ]

    @Test(arguments: refused)
    func refusedWhiteoutsNameTheirRule(_ refused: Refused) throws {
        let workspace = try Workspace()
        let sources = try workspace.tarLayers(refused.layers)
        let assembler = workspace.assembler()
        let error = rootfsError { try assembler.apply(sources) }
        guard case .tar(let layer) = sources.last else { return }
        #expect(error == RootfsError(layer: layer, entry: refused.entry, rule: refused.rule))
        if case .whiteoutOutsideDirectory = refused.rule {
            // Refused while reading, before any layer is merged.
            #expect(assembler.tree.paths.isEmpty)
        } else {
            // Refused while merging: what the link points at is untouched.
            #expect(assembler.tree.node(at: "/etc/passwd") != nil)
            #expect(assembler.tree.node(at: "/etc/sub/x") != nil)
            #expect(assembler.tree.node(at: "/a/x") != nil)
        }
    }

    @Test func refusedWhiteoutMessagesNameLayerEntryAndRule() throws {
        let workspace = try Workspace()
        let sources = try workspace.tarLayers([Self.base, [.file("a/.wh...")]])
        let error = try #require(rootfsError { try workspace.assembler().apply(sources) })
        #expect(
            error.description
                == "layer \(workspace.input("layer2.tar")): entry \"a/.wh...\": the whiteout \".wh...\" names its own "
                + "directory or its parent; a whiteout deletes one entry of the directory it is in")
    }

    /// The opaque marker in the root hides everything below, links and their targets alike, and
    /// nothing of its own layer, wherever the marker stands in the layer.
    @Test(arguments: [false, true])
    func opaqueRootHidesEveryLowerEntry(markerLast: Bool) throws {
        let workspace = try Workspace()
        let own: [Member] = [.file("etc/hostname", "new\n"), .symlink("link", to: "/etc")]
        let layer = markerLast ? own + [.opaque("")] : [.opaque("")] + own
        let assembler = workspace.assembler()
        try assembler.apply(try workspace.tarLayers([Self.base + [.symlink("link", to: "/etc")], layer]))
        #expect(assembler.tree.paths == ["/etc", "/etc/hostname", "/link"])
        #expect(assembler.tree.node(at: "/link")?.kind == .symlink(target: "/etc"))
    }

    /// "./.wh..wh..opq", the spelling tar gives a marker in the layer's root, is the same marker.
    @Test func opaqueRootSpelledWithDotSlash() throws {
        let workspace = try Workspace()
        let assembler = workspace.assembler()
        try assembler.apply(try workspace.tarLayers([Self.base, [.file("./.wh..wh..opq"), .file("./new")]]))
        #expect(assembler.tree.paths == ["/new"])
    }

    /// A whiteout in an overlay directory is read with the same rule as one in a tar.
    @Test func overlayDirectoriesFollowTheSameRule() throws {
        let workspace = try Workspace()
        let overlay = workspace.input("overlay")
        try FileManager.default.createDirectory(atPath: overlay + "/a", withIntermediateDirectories: true)
        try Data().write(to: URL(fileURLWithPath: overlay + "/a/.wh..."))
        let sources = try workspace.tarLayers([Self.base]) + [.directory(path: overlay)]
        #expect(throws: RootfsError(layer: overlay, entry: "a/.wh...", rule: .whiteoutOutsideDirectory(".wh..."))) {
            try workspace.assembler().apply(sources)
        }
    }
}
