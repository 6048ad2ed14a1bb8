import Foundation
import Rootfs
import TestSupport
import Testing

/// `docker save` archives: manifest.json names the layers, which are members of the same tar.
@Suite struct DockerArchiveTests {
    static let configJSON = #"{"rootfs": {"type": "layers"}, "config": {"Cmd": ["/app/run"]}}"#

    /// Two images sharing a base layer; layers stored in the archive in another order than applied.
    static func makeArchive(_ workspace: Workspace) throws -> String {
        let base = try writeTar(
            [.file("etc/os-release", "ID=base"), .file("etc/motd", "hi")], to: workspace.input("base.tar"))
        let app = try writeTar(
            [.whiteout("etc/motd"), .file("app/run", "#!/bin/sh", mode: 0o755)], to: workspace.input("app.tar"))
        let config = workspace.input("config.json")
        try Data(Self.configJSON.utf8).write(to: URL(fileURLWithPath: config))
        let path = workspace.input("images.tar")
        try writeDockerArchive(
            at: path, members: [("bbb/layer.tar", app), ("aaa/layer.tar", base), ("cfg.json", config)],
            manifest: """
                [{"Config": "cfg.json", "RepoTags": ["app:1"], "Layers": ["aaa/layer.tar", "bbb/layer.tar"]},
                 {"Config": "cfg.json", "RepoTags": ["base:latest"], "Layers": ["./aaa/layer.tar"]}]
                """)
        return path
    }

    @Test func layersApplyInManifestOrderFromAnUncompressedArchive() throws {
        let workspace = try Workspace()
        let path = try Self.makeArchive(workspace)
        let assembler = workspace.assembler()
        try assembler.apply([.dockerArchive(path: path, reference: "app:1")])
        #expect(assembler.tree.paths == ["/app", "/app/run", "/etc", "/etc/os-release"])
        let run = try content(try #require(assembler.tree.node(at: "/app/run")))
        #expect(try run.readBytes() == Array("#!/bin/sh".utf8))
        if case .file(let file, _, _) = run { #expect(file == path, "data is referenced inside the outer archive") }

        let base = workspace.assembler()
        try base.apply([.dockerArchive(path: path, reference: "base")])
        #expect(base.tree.paths == ["/etc", "/etc/motd", "/etc/os-release"])
    }

    @Test func compressedArchivesAreReadInOnePass() throws {
        let workspace = try Workspace()
        let path = try Self.makeArchive(workspace)
        try runChecked(["gzip", "-n", path])
        let assembler = workspace.assembler()
        try assembler.apply([.dockerArchive(path: path + ".gz", reference: "app:1")])
        #expect(assembler.tree.paths == ["/app", "/app/run", "/etc", "/etc/os-release"])
        let run = try content(try #require(assembler.tree.node(at: "/app/run")))
        #expect(try run.readBytes() == Array("#!/bin/sh".utf8))
        if case .file(let file, _, _) = run { #expect(file == workspace.store.path) }
    }

    @Test func manifestProblemsAreNamed() throws {
        let workspace = try Workspace()
        let path = try Self.makeArchive(workspace)
        #expect(
            throws: RootfsError(
                layer: path,
                rule: .layout(
                    "manifest.json lists 2 images; name one with a reference (tags: \"app:1\", \"base:latest\")"))
        ) { try workspace.assembler().apply([.dockerArchive(path: path)]) }

        let layer = try writeTar([.file("a")], to: workspace.input("l.tar"))
        let missing = workspace.input("missing.tar")
        try writeDockerArchive(
            at: missing, members: [("x/layer.tar", layer)],
            manifest: #"[{"Config": "c.json", "RepoTags": null, "Layers": ["x/layer.tar", "y/layer.tar"]}]"#)
        #expect(
            throws: RootfsError(
                layer: missing,
                rule: .layout("manifest.json lists layer \"y/layer.tar\", which the archive does not hold"))
        ) { try workspace.assembler().apply([.dockerArchive(path: missing)]) }

        let plain = try writeTar([.file("a")], to: workspace.input("plain.tar"))
        #expect(
            throws: RootfsError(
                layer: plain, rule: .layout("the archive has no manifest.json; is it from docker save?"))
        ) { try workspace.assembler().apply([.dockerArchive(path: plain)]) }

        let escape = workspace.input("escape.tar")
        try writeDockerArchive(
            at: escape, members: [("x/layer.tar", layer)], manifest: #"[{"Config": "c", "Layers": ["../x/layer.tar"]}]"#
        )
        #expect(throws: RootfsError(layer: escape, entry: "../x/layer.tar", rule: .parentReference)) {
            try workspace.assembler().apply([.dockerArchive(path: escape)])
        }
    }

    /// Docker 25 and later: layers live in blobs/sha256/, and the old names are links to them.
    @Test func layerNamesThatAreLinksInsideTheArchiveResolve() throws {
        let workspace = try Workspace()
        let layer = try writeTar([.file("from-blob", "b")], to: workspace.input("blob.tar"))
        let path = workspace.input("new.tar")
        try writeDockerArchive(
            at: path, members: [("blobs/sha256/0123", layer)], links: [("abc/layer.tar", "../blobs/sha256/0123")],
            manifest: #"[{"Config": "c", "RepoTags": ["new:1"], "Layers": ["abc/layer.tar"]}]"#)
        let assembler = workspace.assembler()
        try assembler.apply([.dockerArchive(path: path)])
        #expect(assembler.tree.paths == ["/from-blob"])

        let escaping = workspace.input("escaping.tar")
        try writeDockerArchive(
            at: escaping, members: [("blobs/sha256/0123", layer)], links: [("abc/layer.tar", "../../../etc/passwd")],
            manifest: #"[{"Config": "c", "Layers": ["abc/layer.tar"]}]"#)
        #expect(throws: RootfsError(layer: escaping, entry: "abc/layer.tar", rule: .parentReference)) {
            try workspace.assembler().apply([.dockerArchive(path: escaping)])
        }
    }
}
