import Foundation
import Rootfs
import TestSupport
import Testing

/// `docker save` archives and OCI layouts whose manifests or files point outside them are refused
/// before anything outside is read.
@Suite struct HostileImageSourceTests {
    /// A one-layer OCI layout whose layer holds /hello; returns the layout and the layer's blob.
    static func layout(_ workspace: Workspace) throws -> (OCIFixture, Blob) {
        let oci = try OCIFixture(at: workspace.input("image"))
        let layer = try oci.addBlob(file: try writeTar([.file("hello", "hi")], to: workspace.input("layer.tar")))
        try oci.writeIndex([try oci.addManifest([(layer, OCIFixture.layerPlain)]).descriptor(OCIFixture.manifestType)])
        return (oci, layer)
    }

    /// The message for a file of the layout that resolves outside it.
    static func outside(_ name: String, _ target: String, layout: String) -> RootfsError {
        RootfsError(
            layer: layout,
            rule: .layout(
                "\(name) in the layout is a link to \"\(target)\", outside \"\(resolved(layout))\"; "
                    + "every file of a layout must lie inside its directory"))
    }

    /// `path` with its links resolved, as the reader names the layout's directory.
    static func resolved(_ path: String) -> String { URL(fileURLWithPath: path).resolvingSymlinksInPath().path }

    @Test func aLayerBlobLinkedToAHostFileIsRefused() throws {
        let workspace = try Workspace()
        let (oci, layer) = try Self.layout(workspace)
        try FileManager.default.removeItem(atPath: oci.blobPath(layer))
        try FileManager.default.createSymbolicLink(atPath: oci.blobPath(layer), withDestinationPath: "/etc/shadow")
        // Not a digest or size mismatch, which would mean /etc/shadow was opened and measured.
        #expect(throws: Self.outside("blobs/sha256/\(layer.hex)", "/etc/shadow", layout: oci.directory)) {
            try workspace.assembler().apply([.ociLayout(path: oci.directory)])
        }
    }

    @Test func anIndexLinkedToAHostFileIsRefused() throws {
        let workspace = try Workspace()
        let (oci, _) = try Self.layout(workspace)
        try FileManager.default.removeItem(atPath: oci.directory + "/index.json")
        try FileManager.default.createSymbolicLink(
            atPath: oci.directory + "/index.json", withDestinationPath: "../../../../../../etc/passwd")
        #expect(throws: Self.outside("index.json", "/etc/passwd", layout: oci.directory)) {
            try workspace.assembler().apply([.ociLayout(path: oci.directory)])
        }
    }

    /// A blobs directory that is a link elsewhere is refused even when every blob there is valid.
    @Test func aBlobsDirectoryLinkedOutsideIsRefused() throws {
        let workspace = try Workspace()
        let (oci, _) = try Self.layout(workspace)
        let elsewhere = workspace.input("elsewhere")
        try FileManager.default.moveItem(atPath: oci.directory + "/blobs", toPath: elsewhere)
        try FileManager.default.createSymbolicLink(atPath: oci.directory + "/blobs", withDestinationPath: elsewhere)
        let error = try #require(rootfsError { try workspace.assembler().apply([.ociLayout(path: oci.directory)]) })
        #expect(error.layer == oci.directory)
        guard case .layout(let message) = error.rule else {
            Issue.record("expected a layout error, got \(error)")
            return
        }
        let target = Self.resolved(elsewhere) + "/sha256/"
        #expect(message.hasPrefix("blobs/sha256/") && message.contains("a link to \"\(target)"), "\(message)")
    }

    /// Links that stay inside the layout are followed, and the blob is read where it really lies.
    @Test func linksInsideTheLayoutAreFollowed() throws {
        let workspace = try Workspace()
        let (oci, layer) = try Self.layout(workspace)
        try FileManager.default.createDirectory(atPath: oci.directory + "/store", withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: oci.blobPath(layer), toPath: oci.directory + "/store/layer")
        try FileManager.default.createSymbolicLink(
            atPath: oci.blobPath(layer), withDestinationPath: "../../store/layer")
        let assembler = workspace.assembler()
        try assembler.apply([.ociLayout(path: oci.directory)])
        let hello = try content(try #require(assembler.tree.node(at: "/hello")))
        #expect(try hello.readBytes() == Array("hi".utf8))
        if case .file(let path, _, _) = hello { #expect(path == Self.resolved(oci.directory + "/store/layer")) }
    }

    /// In a tar, a blob member that is a symbolic link is not a blob: the layout lacks it.
    @Test func aBlobLinkInsideALayoutTarIsNotABlob() throws {
        let workspace = try Workspace()
        let (oci, layer) = try Self.layout(workspace)
        try FileManager.default.removeItem(atPath: oci.blobPath(layer))
        try FileManager.default.createSymbolicLink(atPath: oci.blobPath(layer), withDestinationPath: "/etc/shadow")
        let tar = workspace.input("image.tar")
        try runChecked(["tar", "-cf", tar, "-C", oci.directory, "."])
        let error = try #require(rootfsError { try workspace.assembler().apply([.ociLayout(path: tar)]) })
        #expect(
            error.rule
                == .layout("blob \(layer.digest) is not in the layout (blobs/sha256/\(layer.hex))"))
    }

    struct Escape: Sendable, CustomTestStringConvertible {
        var name: String
        var manifestLayer: String
        var links: [String: String] = [:]
        var entry: String
        var rule: RootfsError.Rule
        var testDescription: String { name }
    }

    static let escapes: [Escape] = [
        Escape(name: "absolute layer path", manifestLayer: "/etc/shadow", entry: "/etc/shadow", rule: .absolutePath),
        Escape(
            name: "layer path up and out", manifestLayer: "x/../../etc/shadow", entry: "x/../../etc/shadow",
            rule: .parentReference),
        Escape(
            name: "member linked to an absolute path", manifestLayer: "abc/layer.tar",
            links: ["abc/layer.tar": "/etc/shadow"], entry: "abc/layer.tar", rule: .absolutePath),
        Escape(
            name: "member linked up and out", manifestLayer: "abc/layer.tar",
            links: ["abc/layer.tar": "../../../../etc/shadow"], entry: "abc/layer.tar", rule: .parentReference),
    ]

    @Test(arguments: escapes)
    func dockerArchivesNeverReachOutside(_ escape: Escape) throws {
        let workspace = try Workspace()
        let layer = try writeTar([.file("hello")], to: workspace.input("l.tar"))
        let path = workspace.input("saved.tar")
        try writeDockerArchive(
            at: path, members: [("x/layer.tar", layer)], links: escape.links.map { ($0.key, $0.value) },
            manifest: #"[{"Config": "c.json", "Layers": ["\#(escape.manifestLayer)"]}]"#)
        #expect(throws: RootfsError(layer: path, entry: escape.entry, rule: escape.rule)) {
            try workspace.assembler().apply([.dockerArchive(path: path)])
        }
    }

    @Test func aDockerConfigOutsideTheArchiveIsRefused() throws {
        let workspace = try Workspace()
        let layer = try writeTar([.file("hello")], to: workspace.input("l.tar"))
        let path = workspace.input("saved.tar")
        try writeDockerArchive(
            at: path, members: [("x/layer.tar", layer)],
            manifest: #"[{"Config": "/etc/shadow", "RepoTags": ["a:1"], "Layers": ["x/layer.tar"]}]"#)
        #expect(throws: RootfsError(layer: path, entry: "/etc/shadow", rule: .absolutePath)) {
            _ = try workspace.assembler().layerReader.readImage(at: path, reference: nil)
        }
    }

    /// An image's JSON documents (index.json, manifest.json) are read only up to `maximumManifestBytes`.
    @Test func oversizedManifestsAreRefused() throws {
        let workspace = try Workspace()
        let limits = RootfsLimits(maximumManifestBytes: 1024)
        let (oci, _) = try Self.layout(workspace)
        let padding = String(repeating: " ", count: 2048)
        let index = try String(contentsOfFile: oci.directory + "/index.json", encoding: .utf8) + padding
        try index.write(toFile: oci.directory + "/index.json", atomically: true, encoding: .utf8)
        #expect(
            throws: RootfsError(
                layer: oci.directory,
                rule: .layout("index.json is \(index.utf8.count) bytes, more than the 1024 a manifest may have"))
        ) { try workspace.assembler(limits: limits).apply([.ociLayout(path: oci.directory)]) }

        let layer = try writeTar([.file("hello")], to: workspace.input("l.tar"))
        let saved = workspace.input("saved.tar")
        try writeDockerArchive(
            at: saved, members: [("x/layer.tar", layer)],
            manifest: #"[{"Config": "c.json", "Layers": ["x/layer.tar"]}]"# + padding)
        #expect(
            throws: RootfsError(
                layer: saved, rule: .archive(operation: "read data of manifest.json", message: "larger than 1024 bytes")
            )
        ) { try workspace.assembler(limits: limits).apply([.dockerArchive(path: saved)]) }
    }
}
