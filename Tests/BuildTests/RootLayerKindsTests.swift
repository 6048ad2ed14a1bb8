import Build
import Foundation
import Rootfs
import TestSupport
import Testing

/// A profile whose root is made of every archive layer kind: a tar, an OCI layout directory, an OCI
/// layout tar (written by skopeo) and a `docker save` archive, built into a root filesystem and read
/// back with debugfs. Each layer adds to and deletes from the ones below it.
struct RootLayerKindsTests {
    static let epoch: Int64 = 1_700_000_000

    /// Writes the four layers and the profile naming them into `directory`; returns the profile's path.
    private func writeProfile(in directory: TemporaryDirectory) throws -> String {
        try writeTar(
            [
                .dir("etc"), .file("etc/os-release", "ID=base\n"), .file("etc/motd", "welcome\n"),
                .dir("usr/bin"), .file("usr/bin/tool", "tool v1\n", mode: 0o755), .symlink("usr/bin/t", to: "tool"),
                .file("usr/share/doc/README", "docs\n"), .file("usr/share/doc/LICENSE", "MIT\n"),
                .file("srv/old", "old\n"),
            ], to: directory.file("base.tar"))

        // The application: two layers under the ref app:1, beside a second image the ref passes over.
        let app = try OCIFixture(at: directory.file("app-layout"))
        let appFiles = try app.addBlob(
            file: try writeTar(
                [
                    .dir("opt/app", mode: 0o750, uid: 1000, gid: 1000),
                    .file("opt/app/run", "#!/bin/sh\necho run\n", mode: 0o755, uid: 1000, gid: 1000),
                    .hardlink("opt/app/run-again", to: "opt/app/run"), .whiteout("etc/motd"),
                ], to: directory.file("app1.tar"), compression: .gzip))
        let appConfig = try app.addBlob(
            file: try writeTar([.file("opt/app/config", "port=80\n", mode: 0o640)], to: directory.file("app2.tar")))
        let other = try app.addBlob(file: try writeTar([.file("other")], to: directory.file("other.tar")))
        let reference = "org.opencontainers.image.ref.name"
        try app.writeIndex([
            try app.addManifest([(other, OCIFixture.layerPlain)]).descriptor(
                OCIFixture.manifestType, annotations: [reference: "other"]),
            try app.addManifest([(appFiles, OCIFixture.layerGzip), (appConfig, OCIFixture.layerPlain)]).descriptor(
                OCIFixture.manifestType, annotations: [reference: "app:1"]),
        ])

        // The web content, copied by skopeo from a layout directory into an OCI layout tar. Its
        // opaque /srv hides what the tar put there.
        let web = try OCIFixture(at: directory.file("web-layout"))
        let webLayer = try web.addBlob(
            file: try writeTar(
                [
                    .opaque("srv"), .file("srv/www/index.html", "<h1>hi</h1>\n"),
                    Member(name: "dev/null", kind: .char, mode: 0o666, major: 1, minor: 3),
                ], to: directory.file("web.tar")))
        try web.writeIndex([
            try web.addManifest([(webLayer, OCIFixture.layerPlain)]).descriptor(
                OCIFixture.manifestType, annotations: [reference: "web"])
        ])
        let copy = try runTool([
            "skopeo", "copy", "oci:\(web.directory):web", "oci-archive:\(directory.file("web-oci.tar")):web",
        ])
        guard copy.status == 0 else { throw FixtureError("skopeo copy: \(copy.stderr)") }

        // A tool update saved by docker, tagged tool:2 beside an older tool:1.
        let update = try writeTar(
            [
                .file("usr/bin/tool", "tool v2\n", mode: 0o755), .whiteout("usr/share/doc/README"),
                .file("opt/app/VERSION", "2\n"),
            ],
            to: directory.file("update.tar"))
        let old = try writeTar([.file("usr/bin/tool", "tool v0\n")], to: directory.file("old.tar"))
        let dockerConfig = directory.file("config.json")
        try Data(#"{"rootfs": {"type": "layers"}}"#.utf8).write(to: URL(fileURLWithPath: dockerConfig))
        try writeDockerArchive(
            at: directory.file("tool-save.tar"),
            members: [("new/layer.tar", update), ("old/layer.tar", old), ("config.json", dockerConfig)],
            manifest: """
                [{"Config": "config.json", "RepoTags": ["tool:1"], "Layers": ["old/layer.tar"]},
                 {"Config": "config.json", "RepoTags": ["tool:2"], "Layers": ["new/layer.tar"]}]
                """)

        let profile = directory.file("layers.yaml")
        try """
        name: layers
        root:
          layers:
            - tar: base.tar
            - oci: app-layout
              ref: app:1
            - oci: web-oci.tar
            - docker-archive: tool-save.tar
              ref: tool:2

        """.write(toFile: profile, atomically: true, encoding: .utf8)
        return profile
    }

    private func build(in directory: TemporaryDirectory) throws -> (BuildResult, String) {
        let output = directory.file("out")
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        var request = BuildRequest(
            profilePath: try writeProfile(in: directory), outputDirectory: output,
            cacheDirectory: directory.file("cache"), sourceDateEpoch: Self.epoch)
        request.rootfsOnly = true
        let result = try Builder(request).build()
        return (result, try #require(result.outputs["rootfs"]))
    }

    @Test func everyArchiveKindMergesInProfileOrder() throws {
        let directory = try TemporaryDirectory()
        let (_, image) = try build(in: directory)
        let fsck = try runTool(["e2fsck", "-fn", image])
        #expect(fsck.status == 0, "\(fsck.stdout)\(fsck.stderr)")

        let debugfs = Debugfs(image: image)
        let listing = try debugfs.listing()
        // The subtrees the layers made, exactly: whiteouts and the opaque /srv took effect.
        // (Every root also gets /usr/lib/slipway/update/release, which the layers did not make.)
        let layered = listing.keys.filter { path in
            ["/opt", "/srv", "/usr", "/dev"].contains { path == $0 || path.hasPrefix($0 + "/") }
                && !path.hasPrefix("/usr/lib")
        }
        #expect(
            layered.sorted() == [
                "/dev", "/dev/null", "/opt", "/opt/app", "/opt/app/VERSION", "/opt/app/config", "/opt/app/run",
                "/opt/app/run-again", "/srv", "/srv/www", "/srv/www/index.html", "/usr", "/usr/bin", "/usr/bin/t",
                "/usr/bin/tool", "/usr/share", "/usr/share/doc", "/usr/share/doc/LICENSE",
            ])
        #expect(listing["/usr/lib/slipway/update/release"] != nil)
        #expect(listing["/etc/os-release"] != nil)
        #expect(listing["/etc/motd"] == nil, "the OCI layout's whiteout removes the tar's /etc/motd")

        let scratch = try TemporaryDirectory("layers-dump")
        let texts = try debugfs.contents(
            [
                "/etc/os-release", "/usr/bin/tool", "/opt/app/run", "/opt/app/config", "/opt/app/VERSION",
                "/srv/www/index.html", "/usr/share/doc/LICENSE",
            ], scratch: scratch
        ).mapValues { String(decoding: $0, as: UTF8.self) }
        #expect(
            texts == [
                "/etc/os-release": "ID=base\n", "/usr/bin/tool": "tool v2\n", "/opt/app/run": "#!/bin/sh\necho run\n",
                "/opt/app/config": "port=80\n", "/opt/app/VERSION": "2\n", "/srv/www/index.html": "<h1>hi</h1>\n",
                "/usr/share/doc/LICENSE": "MIT\n",
            ])

        let inodes = try debugfs.stat([
            "/opt/app", "/opt/app/run", "/opt/app/run-again", "/opt/app/config",
            "/usr/bin/tool", "/usr/bin/t", "/dev/null",
        ])
        let app = try #require(inodes["/opt/app"])
        #expect(app.type == "directory" && app.mode == 0o750 && app.uid == 1000 && app.gid == 1000)
        let run = try #require(inodes["/opt/app/run"])
        #expect(run.mode == 0o755 && run.uid == 1000 && run.links == 2)
        #expect(inodes["/opt/app/run-again"]?.number == run.number, "a hard link in the OCI layer")
        #expect(inodes["/opt/app/config"]?.mode == 0o640)
        #expect(inodes["/usr/bin/tool"]?.mode == 0o755)
        #expect(inodes["/usr/bin/t"]?.fastLinkTarget == "tool")
        let null = try #require(inodes["/dev/null"])
        #expect(null.type == "character special" && null.device?.major == 1 && null.device?.minor == 3)
    }

    /// The manifest records each archive by kind, with the digest of its input file (an OCI layout
    /// directory's index.json, which names every other blob).
    @Test func manifestRecordsEachArchive() throws {
        let directory = try TemporaryDirectory()
        let (result, _) = try build(in: directory)
        let manifest = try JSONDecoder().decode(
            Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: result.manifest)))
        #expect(manifest.layers.map(\.kind) == ["tar", "oci", "oci-archive", "docker-archive"])
        #expect(manifest.layers.map(\.source) == ["base.tar", "app-layout", "web-oci.tar", "tool-save.tar"])
        let inputs = ["base.tar", "app-layout/index.json", "web-oci.tar", "tool-save.tar"]
        #expect(
            manifest.layers.map(\.digest) == (try inputs.map { try DockerHostFixtures.sha256sum(directory.file($0)) }))
    }

    /// An OCI layout given a docker save archive that holds no layout names the layer and says what to use.
    @Test func aDockerSaveArchiveIsNotAnOCILayout() throws {
        let directory = try TemporaryDirectory()
        _ = try writeProfile(in: directory)
        let profile = directory.file("wrong.yaml")
        try "name: wrong\nroot:\n  layers:\n    - oci: tool-save.tar\n      ref: tool:2\n".write(
            toFile: profile, atomically: true, encoding: .utf8)
        var request = BuildRequest(
            profilePath: profile, outputDirectory: directory.path, cacheDirectory: directory.file("cache"),
            sourceDateEpoch: Self.epoch)
        request.rootfsOnly = true
        let path = directory.file("tool-save.tar")
        let error = try #require(throws: RootfsError.self) { try Builder(request).build() }
        #expect(
            "\(error)"
                == "layer \(path) (tool:2): \(path) is a docker save archive without an OCI layout "
                + "(no oci-layout file); read it as a docker-archive layer")
    }
}
