import Foundation
import Rootfs
import TestSupport
import Testing

/// OCI image layouts: index → manifest → layers in order, every blob checked.
@Suite struct OCILayoutTests {
    /// Three layers (gzip, zstd, uncompressed) under the ref "v1", and a second image "v2".
    static func makeLayout(_ workspace: Workspace) throws -> (OCIFixture, [Blob]) {
        let oci = try OCIFixture(at: workspace.input("image"))
        let first = try oci.addBlob(
            file: try writeTar(
                [
                    .dir("etc"), .file("etc/os-release", "ID=base\n"), .file("etc/motd", "hi"),
                    .file("bin/sh", "#!", mode: 0o755),
                ],
                to: workspace.input("l1.tar"), compression: .gzip))
        let second = try oci.addBlob(
            file: try writeTar(
                [.whiteout("etc/motd"), .file("usr/lib/x", "x")], to: workspace.input("l2.tar"), compression: .zstd))
        let third = try oci.addBlob(
            file: try writeTar([.opaque("usr/lib"), .file("usr/lib/y", "plain")], to: workspace.input("l3.tar")))
        let v1 = try oci.addManifest([
            (first, OCIFixture.layerGzip), (second, OCIFixture.layerZstd), (third, OCIFixture.layerPlain),
        ])
        let v2 = try oci.addManifest([(first, OCIFixture.layerGzip)])
        try oci.writeIndex([
            v1.descriptor(OCIFixture.manifestType, annotations: ["org.opencontainers.image.ref.name": "v1"]),
            v2.descriptor(OCIFixture.manifestType, annotations: ["org.opencontainers.image.ref.name": "v2"]),
        ])
        return (oci, [first, second, third])
    }

    @Test func layersApplyInManifestOrder() throws {
        let workspace = try Workspace()
        let (oci, blobs) = try Self.makeLayout(workspace)
        let assembler = workspace.assembler()
        try assembler.apply([.ociLayout(path: oci.directory, reference: "v1")])
        #expect(
            assembler.tree.paths == ["/bin", "/bin/sh", "/etc", "/etc/os-release", "/usr", "/usr/lib", "/usr/lib/y"])
        let plain = try content(try #require(assembler.tree.node(at: "/usr/lib/y")))
        #expect(try plain.readBytes() == Array("plain".utf8))
        // The uncompressed blob is referenced where it lies; the gzip one was spilled to the store.
        if case .file(let path, _, _) = plain { #expect(path == oci.blobPath(blobs[2])) }
        if case .file(let path, _, _) = try content(try #require(assembler.tree.node(at: "/etc/os-release"))) {
            #expect(path == workspace.store.path)
        }

        let other = workspace.assembler()
        try other.apply([.ociLayout(path: oci.directory, reference: "v2")])
        #expect(other.tree.paths == ["/bin", "/bin/sh", "/etc", "/etc/motd", "/etc/os-release"])
    }

    @Test func severalManifestsNeedAReference() throws {
        let workspace = try Workspace()
        let (oci, _) = try Self.makeLayout(workspace)
        #expect(
            throws: RootfsError(
                layer: oci.directory,
                rule: .layout("index.json lists 2 manifests; name one with a reference (names: \"v1\", \"v2\")"))
        ) { try workspace.assembler().apply([.ociLayout(path: oci.directory)]) }
        #expect(
            throws: RootfsError(
                layer: oci.directory + " (v3)",
                rule: .layout("index.json has no manifest named \"v3\" (names: \"v1\", \"v2\")"))
        ) { try workspace.assembler().apply([.ociLayout(path: oci.directory, reference: "v3")]) }
    }

    @Test func alteredBlobsAreRefused() throws {
        let workspace = try Workspace()
        let (oci, blobs) = try Self.makeLayout(workspace)
        let path = oci.blobPath(blobs[1])
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count / 2] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let error = try #require(
            rootfsError { try workspace.assembler().apply([.ociLayout(path: oci.directory, reference: "v1")]) })
        #expect(error.layer == "\(oci.directory) (v1) layer 2/3 sha256:\(blobs[1].hex.prefix(12))")
        guard case .digestMismatch(let blob, let actual) = error.rule else {
            Issue.record("expected a digest mismatch, got \(error)")
            return
        }
        #expect(blob == blobs[1].digest && actual != blobs[1].hex && actual.count == 64)

        try Data(bytes.dropLast()).write(to: URL(fileURLWithPath: path))
        #expect(
            throws: RootfsError(
                layer: error.layer,
                rule: .sizeMismatch(
                    blob: blobs[1].digest, expected: Int64(blobs[1].size), actual: Int64(blobs[1].size - 1)))
        ) { try workspace.assembler().apply([.ociLayout(path: oci.directory, reference: "v1")]) }
    }

    @Test func unsupportedMediaTypesAndDigestsAreRefused() throws {
        let workspace = try Workspace()
        let oci = try OCIFixture(at: workspace.input("image"))
        let layer = try oci.addBlob(file: try writeTar([.file("a")], to: workspace.input("l.tar")))
        let encrypted = try oci.addManifest([(layer, "application/vnd.oci.image.layer.v1.tar+gzip+encrypted")])
        try oci.writeIndex([encrypted.descriptor(OCIFixture.manifestType)])
        #expect(
            throws: RootfsError(
                layer: oci.directory,
                rule: .unsupportedMediaType("application/vnd.oci.image.layer.v1.tar+gzip+encrypted"))
        ) { try workspace.assembler().apply([.ociLayout(path: oci.directory)]) }

        let escape =
            #"{"mediaType": "\#(OCIFixture.manifestType)", "digest": "sha256:../../../../etc/passwd", "size": 10}"#
        try oci.writeIndex([escape])
        #expect(
            throws: RootfsError(
                layer: oci.directory,
                rule: .layout("digest \"sha256:../../../../etc/passwd\" is not 64 lower-case hex digits"))
        ) { try workspace.assembler().apply([.ociLayout(path: oci.directory)]) }
    }

    @Test func multiPlatformIndexesResolveToLinuxAmd64() throws {
        let workspace = try Workspace()
        let oci = try OCIFixture(at: workspace.input("image"))
        let amd = try oci.addManifest([
            (try oci.addBlob(file: try writeTar([.file("amd64")], to: workspace.input("a.tar"))), OCIFixture.layerPlain)
        ])
        let arm = try oci.addManifest([
            (try oci.addBlob(file: try writeTar([.file("arm64")], to: workspace.input("b.tar"))), OCIFixture.layerPlain)
        ])
        let nested = try oci.addBlob(
            json:
                "{\"schemaVersion\": 2, \"manifests\": [\(arm.descriptor(OCIFixture.manifestType, platform: ("linux", "arm64"))), "
                + "\(amd.descriptor(OCIFixture.manifestType, platform: ("linux", "amd64")))]}")
        try oci.writeIndex([
            nested.descriptor(OCIFixture.indexType, annotations: ["org.opencontainers.image.ref.name": "latest"])
        ])
        let assembler = workspace.assembler()
        try assembler.apply([.ociLayout(path: oci.directory, reference: "latest")])
        #expect(assembler.tree.paths == ["/amd64"])
    }

    @Test func aDirectoryThatIsNotALayoutSaysSo() throws {
        let workspace = try Workspace()
        #expect(
            throws: RootfsError(
                layer: workspace.inputs,
                rule: .layout(
                    "\(workspace.inputs) has no oci-layout file; is it an OCI image layout (a directory or a tar)?"))
        ) { try workspace.assembler().apply([.ociLayout(path: workspace.inputs)]) }
    }
}
