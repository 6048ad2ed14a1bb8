import Foundation
import Rootfs
import TestSupport
import Testing

/// Image archives in every form: an OCI layout in a tar reads like the directory, the form is told
/// from the content, and an image's config comes back with its layers.
@Suite struct ImageArchiveTests {
    /// The layout of `OCILayoutTests.makeLayout` packed by GNU tar ("./oci-layout", "./blobs/..."),
    /// compressed as asked.
    static func layoutTar(_ workspace: Workspace, compression: Compression = .none) throws -> String {
        let (oci, _) = try OCILayoutTests.makeLayout(workspace)
        let tar = workspace.input("image.tar")
        try runChecked(["tar", "-cf", tar, "-C", oci.directory, "."])
        guard let command = compression.command else { return tar }
        try runChecked(command + [tar])
        return tar + compression.suffix
    }

    @Test(arguments: [Compression.none, .gzip])
    func layoutInATarReadsLikeTheDirectory(compression: Compression) throws {
        let workspace = try Workspace()
        let tar = try Self.layoutTar(workspace, compression: compression)
        #expect(try ImageArchive.format(of: tar) == .ociTar)
        let assembler = workspace.assembler()
        try assembler.apply([.ociLayout(path: tar, reference: "v1")])
        #expect(
            assembler.tree.paths == ["/bin", "/bin/sh", "/etc", "/etc/os-release", "/usr", "/usr/lib", "/usr/lib/y"])
        let plain = try content(try #require(assembler.tree.node(at: "/usr/lib/y")))
        #expect(try plain.readBytes() == Array("plain".utf8))
        // An uncompressed tar's plain blob is referenced inside the tar; a compressed tar's blobs
        // were copied into the store first.
        guard case .file(let path, let offset, _) = plain else {
            Issue.record("expected file content, got \(plain)")
            return
        }
        #expect(path == (compression == .none ? tar : workspace.store.path))
        #expect(compression != .none || offset > 512)

        let other = workspace.assembler()
        try other.apply([.ociLayout(path: tar, reference: "v2")])
        #expect(other.tree.paths == ["/bin", "/bin/sh", "/etc", "/etc/motd", "/etc/os-release"])
    }

    /// A blob altered inside the tar is caught by its digest, naming the layer in the image.
    @Test func alteredBlobInATarIsRefused() throws {
        let workspace = try Workspace()
        let (oci, blobs) = try OCILayoutTests.makeLayout(workspace)
        let path = oci.blobPath(blobs[2])
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[700] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let tar = workspace.input("altered.tar")
        try runChecked(["tar", "-cf", tar, "-C", oci.directory, "."])
        let error = try #require(
            rootfsError { try workspace.assembler().apply([.ociLayout(path: tar, reference: "v1")]) })
        #expect(error.layer == "\(tar) (v1) layer 3/3 sha256:\(blobs[2].hex.prefix(12))")
        guard case .digestMismatch(let blob, _) = error.rule else {
            Issue.record("expected a digest mismatch, got \(error)")
            return
        }
        #expect(blob == blobs[2].digest)
    }

    @Test func formatsAreToldByContent() throws {
        let workspace = try Workspace()
        let docker = try DockerArchiveTests.makeArchive(workspace)
        #expect(try ImageArchive.format(of: docker) == .dockerArchive)
        #expect(try ImageArchive.format(of: workspace.inputs) == .ociDirectory)

        // A docker save archive read as an OCI layout says what it is (one from docker 25 and
        // later, with a layout beside manifest.json, would be read).
        #expect(
            throws: RootfsError(
                layer: docker + " (app:1)",
                rule: .layout(
                    "\(docker) is a docker save archive without an OCI layout (no oci-layout file); "
                        + "read it as a docker-archive layer"))
        ) { try workspace.assembler().apply([.ociLayout(path: docker, reference: "app:1")]) }

        // Docker 25 and later write both: a docker save archive that an OCI layout reader can read.
        let (oci, _) = try OCILayoutTests.makeLayout(workspace)
        try Data("[]".utf8).write(to: URL(fileURLWithPath: oci.directory + "/manifest.json"))
        let both = workspace.input("both.tar")
        try runChecked(["tar", "-cf", both, "-C", oci.directory, "."])
        #expect(try ImageArchive.format(of: both) == .dockerArchive)
        let assembler = workspace.assembler()
        try assembler.apply([.ociLayout(path: both, reference: "v2")])
        #expect(assembler.tree.paths == ["/bin", "/bin/sh", "/etc", "/etc/motd", "/etc/os-release"])

        let plain = try writeTar([.file("etc/motd", "hi")], to: workspace.input("plain.tar"))
        let neither = RootfsError(
            layer: plain,
            rule: .layout(
                "it has neither manifest.json (a docker save archive) nor oci-layout and index.json (an OCI image "
                    + "layout); save the image with `docker save` or `skopeo copy ... oci-archive:FILE`"))
        #expect(throws: neither) { try ImageArchive.format(of: plain) }
        #expect(throws: neither) { try workspace.assembler().apply([.ociLayout(path: plain)]) }

        let missing = workspace.input("missing.tar")
        #expect(
            throws: RootfsError(
                layer: missing, rule: .io(operation: "read", path: missing, message: "no such file or directory"))
        ) { try ImageArchive.format(of: missing) }
    }

    /// `readImage` gives the layers and the config document the manifest names, in every form.
    @Test(arguments: ["directory", "tar", "tar.gz"])
    func readImageReturnsLayersAndConfig(form: String) throws {
        let workspace = try Workspace()
        let path: String
        switch form {
        case "directory": path = try OCILayoutTests.makeLayout(workspace).0.directory
        case "tar": path = try Self.layoutTar(workspace)
        default: path = try Self.layoutTar(workspace, compression: .gzip)
        }
        let image = try workspace.assembler().layerReader.readImage(at: path, reference: "v1")
        #expect(image.format == (form == "directory" ? .ociDirectory : .ociTar))
        #expect(image.layers.count == 3)
        #expect(image.configuration == Array(OCIFixture.configJSON.utf8))
    }

    @Test func readImageOfADockerArchiveReturnsItsConfig() throws {
        let workspace = try Workspace()
        let path = try DockerArchiveTests.makeArchive(workspace)
        try runChecked(["gzip", "-n", "-k", path])
        for file in [path, path + ".gz"] {
            let image = try workspace.assembler().layerReader.readImage(at: file, reference: "app:1")
            #expect(image.format == .dockerArchive)
            #expect(image.layers.count == 2)
            #expect(image.configuration == Array(DockerArchiveTests.configJSON.utf8), "\(file)")
        }
    }

    /// A reference without a tag means `:latest`, also when its registry has a port.
    @Test(arguments: [("localhost:5000/app", true), ("localhost:5000/app:2", false), ("app", false)])
    func untaggedReferencesMeanLatest(reference: String, found: Bool) throws {
        let workspace = try Workspace()
        let layer = try writeTar([.file("a")], to: workspace.input("l.tar"))
        let path = workspace.input("registry.tar")
        try writeDockerArchive(
            at: path, members: [("x/layer.tar", layer)],
            manifest: #"[{"Config": "c", "RepoTags": ["localhost:5000/app:latest"], "Layers": ["x/layer.tar"]}]"#)
        let apply = { try workspace.assembler().apply([.dockerArchive(path: path, reference: reference)]) }
        if found {
            try apply()
        } else {
            #expect(
                throws: RootfsError(
                    layer: "\(path) (\(reference))",
                    rule: .layout(
                        "manifest.json has no image tagged \"\(reference)\" (tags: \"localhost:5000/app:latest\")"))
            ) { try apply() }
        }
    }

    @Test func anEmptyIndexSaysSo() throws {
        let workspace = try Workspace()
        let oci = try OCIFixture(at: workspace.input("empty"))
        try oci.writeIndex([])
        #expect(throws: RootfsError(layer: oci.directory, rule: .layout("index.json lists no manifests"))) {
            try workspace.assembler().apply([.ociLayout(path: oci.directory)])
        }
    }
}
