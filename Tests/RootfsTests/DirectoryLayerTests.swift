import Foundation
import Rootfs
import TestSupport
import Testing

/// Host directories (overlays) and declared files.
@Suite struct DirectoryLayerTests {
    /// An overlay with links pointing out of it, a hard link, a fifo and odd modes.
    static func makeOverlay(_ workspace: Workspace) throws -> String {
        let overlay = workspace.input("overlay")
        let outside = workspace.input("outside")
        let files = FileManager.default
        try files.createDirectory(atPath: overlay + "/etc/ssh", withIntermediateDirectories: true)
        try files.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try Data("secret".utf8).write(to: URL(fileURLWithPath: outside + "/secret"))
        try Data("Port 22\n".utf8).write(to: URL(fileURLWithPath: overlay + "/etc/ssh/sshd_config"))
        try Data("#!/bin/sh\n".utf8).write(to: URL(fileURLWithPath: overlay + "/etc/rc.local"))
        try runChecked(["chmod", "4750", overlay + "/etc/rc.local"])
        try runChecked(["chmod", "0700", overlay + "/etc/ssh"])
        try runChecked(["touch", "-h", "-d", "@1600000000", overlay + "/etc/ssh/sshd_config"])
        try runChecked(["ln", overlay + "/etc/ssh/sshd_config", overlay + "/etc/ssh/sshd_config.copy"])
        try files.createSymbolicLink(atPath: overlay + "/etc/passwd-link", withDestinationPath: "/etc/passwd")
        try files.createSymbolicLink(atPath: overlay + "/escape", withDestinationPath: outside)
        try files.createSymbolicLink(atPath: overlay + "/up", withDestinationPath: "../../..")
        try runChecked(["mkfifo", overlay + "/etc/initctl"])
        try Data().write(to: URL(fileURLWithPath: overlay + "/.wh.old"))
        return overlay
    }

    @Test func linksAreStoredAndNeverFollowed() throws {
        let workspace = try Workspace()
        let overlay = try Self.makeOverlay(workspace)
        let assembler = workspace.assembler()
        let lower = try writeTar([.file("old", "gone"), .file("etc/keep")], to: workspace.input("lower.tar"))
        try assembler.apply([.tar(path: lower), .directory(path: overlay)])
        let tree = assembler.tree
        #expect(
            tree.paths == [
                "/escape", "/etc", "/etc/initctl", "/etc/keep", "/etc/passwd-link", "/etc/rc.local", "/etc/ssh",
                "/etc/ssh/sshd_config", "/etc/ssh/sshd_config.copy", "/up",
            ])
        #expect(tree.node(at: "/escape")?.kind == .symlink(target: workspace.input("outside")))
        #expect(tree.node(at: "/escape")?.entries.isEmpty == true)
        #expect(tree.node(at: "/up")?.kind == .symlink(target: "../../.."))
        #expect(tree.node(at: "/etc/passwd-link")?.kind == .symlink(target: "/etc/passwd"))
        #expect(tree.node(at: "/etc/initctl")?.kind == .fifo)

        let config = try #require(tree.node(at: "/etc/ssh/sshd_config"))
        #expect(config === tree.node(at: "/etc/ssh/sshd_config.copy"))
        #expect(config.metadata == Metadata(permissions: 0o644, uid: 0, gid: 0, modificationTime: 1_600_000_000))
        #expect(try content(config) == .file(path: overlay + "/etc/ssh/sshd_config", offset: 0, length: 8))
        #expect(tree.node(at: "/etc/ssh")?.metadata.permissions == 0o700)
        #expect(tree.node(at: "/etc/rc.local")?.metadata.permissions == 0o4750)
        // The overlay's own directory does not change the root.
        #expect(tree.root.metadata == .directoryDefault)
        #expect(workspace.store.reservedBytes == 0, "host files are referenced, not copied")
    }

    @Test func ownersCanBeOverridden() throws {
        let workspace = try Workspace()
        let overlay = try Self.makeOverlay(workspace)
        let assembler = workspace.assembler()
        try assembler.apply([.directory(path: overlay, uid: 1000, gid: 50)])
        var owners = Set<String>()
        assembler.tree.walk { path, node in
            if path != "/" { owners.insert("\(node.metadata.uid):\(node.metadata.gid)") }
        }
        #expect(owners == ["1000:50"])
    }

    @Test func aMissingDirectoryIsAnError() throws {
        let workspace = try Workspace()
        let missing = workspace.input("nope")
        #expect(
            throws: RootfsError(
                layer: missing,
                rule: .io(operation: "read the directory", path: missing, message: "No such file or directory"))
        ) { try workspace.assembler().apply([.directory(path: missing)]) }
    }

    @Test func declaredFilesGetTheirOwnersAndParents() throws {
        let workspace = try Workspace()
        let assembler = workspace.assembler()
        try assembler.apply([
            .files([
                InlineFile(path: "etc/hostname", bytes: Array("box\n".utf8)),
                InlineFile(
                    path: "home/core/.ssh/authorized_keys", bytes: [1, 2], permissions: 0o600, uid: 500, gid: 500),
            ])
        ])
        #expect(assembler.tree.node(at: "/etc/hostname")?.kind == .regular(.inline(Array("box\n".utf8))))
        let keys = try #require(assembler.tree.node(at: "/home/core/.ssh/authorized_keys"))
        #expect(keys.metadata == Metadata(permissions: 0o600, uid: 500, gid: 500))
        #expect(assembler.tree.node(at: "/home/core/.ssh")?.metadata == .directoryDefault)

        #expect(throws: RootfsError(layer: "file /etc/shadow", entry: "/etc/shadow", rule: .absolutePath)) {
            try workspace.assembler().apply([.files([InlineFile(path: "/etc/shadow", bytes: [])])])
        }
        #expect(throws: RootfsError(layer: "file a\u{0}b", entry: "a\u{0}b", rule: .nulInPath)) {
            try workspace.assembler().apply([.files([InlineFile(path: "a\u{0}b", bytes: [])])])
        }
    }

    /// Contents name host files by absolute path, whatever directory the image is written from.
    @Test func relativeSourcePathsGiveAbsoluteContentPaths() throws {
        let workspace = try Workspace()
        let overlay = workspace.input("rel")
        try FileManager.default.createDirectory(atPath: overlay, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: overlay + "/file"))
        let tar = try writeTar([.file("in-tar", "y")], to: workspace.input("rel.tar"))
        let depth = FileManager.default.currentDirectoryPath.split(separator: "/").count
        func relative(_ path: String) -> String { String(repeating: "../", count: depth) + path.dropFirst() }
        let assembler = workspace.assembler()
        try assembler.apply([.directory(path: relative(overlay)), .tar(path: relative(tar))])
        for (name, bytes) in [("/file", "x"), ("/in-tar", "y")] {
            let file = try content(try #require(assembler.tree.node(at: name)))
            guard case .file(let path, _, _) = file else {
                Issue.record("expected a file range for \(name)")
                continue
            }
            #expect(path.hasPrefix(FileManager.default.currentDirectoryPath + "/../"))
            #expect(try file.readBytes() == Array(bytes.utf8))
        }
    }
}
