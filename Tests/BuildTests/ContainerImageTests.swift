import Foundation
import Profile
import Rootfs
import TestSupport
import Testing

@testable import Build

/// Images built from profile layers into `docker save` archives, checked with tar(1), sha256sum(1)
/// and Foundation's JSON parser against the layout `docker load` reads.
struct ContainerImageTests {
    /// A layer tar made by GNU tar: a hard link, a setuid file, a file newer than the build's epoch.
    private func layerFixture(in directory: TemporaryDirectory) throws {
        guard !FileManager.default.fileExists(atPath: directory.file("layer.tar")) else { return }
        let source = directory.file("layer-src")
        try FileManager.default.createDirectory(atPath: source + "/bin", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: source + "/usr/bin", withIntermediateDirectories: true)
        try "#!busybox\n".write(toFile: source + "/bin/busybox", atomically: true, encoding: .utf8)
        try FileManager.default.linkItem(atPath: source + "/bin/busybox", toPath: source + "/bin/ls")
        try "passwd\n".write(toFile: source + "/usr/bin/passwd", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o4755], ofItemAtPath: source + "/usr/bin/passwd")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: source + "/bin/busybox")
        let tar = try runTool([
            "tar", "--owner=0", "--group=0", "--numeric-owner", "-cf", directory.file("layer.tar"), "-C", source, ".",
        ])
        #expect(tar.status == 0, "\(tar.stderr)")
    }

    private static let imageYAML = """
        images:
          tools:1.0:
            layers:
              - tar: layer.tar
              - files:
                  - { path: /etc/motd, content: "hi\\n", mode: "0640", owner: "0:4" }
              - symlinks:
                  - { path: /bin/sh, target: busybox }
              - directories:
                  - { path: /srv/data, mode: "0750", owner: "1000:1000" }
            entrypoint: [/bin/sh, -c]
            cmd: [echo hello]
            env: { PATH: /bin, LANG: C.UTF-8 }
            working-dir: /srv
            user: "1000:1000"

        """

    private func buildTools(in directory: TemporaryDirectory, epoch: Int64 = DockerHostFixtures.epoch) throws
        -> ContainerImageArchive
    {
        try layerFixture(in: directory)
        let profile = try DockerHostFixtures.profile(Self.imageYAML, in: directory)
        let image = try #require(profile.images.first)
        let (builder, _) = try DockerHostFixtures.builder(in: directory, epoch: epoch)
        let archive = try builder.build(image, reference: image.reference.value)
        // Keep the archive past the builder's scratch directory.
        let kept = directory.file("tools-\(epoch).tar")
        try FileManager.default.copyItem(atPath: archive.path, toPath: kept)
        var result = archive
        result.path = kept
        return result
    }

    @Test func archiveHasTheDockerSaveLayout() throws {
        let directory = try TemporaryDirectory()
        let archive = try buildTools(in: directory)
        let listing = try runTool(["tar", "-tf", archive.path]).stdout.split(separator: "\n").map(String.init)
        let layerHex = String(archive.diffID.dropFirst("sha256:".count))
        let configHex = String(archive.imageID.dropFirst("sha256:".count))
        #expect(listing == ["\(layerHex)/", "\(layerHex)/layer.tar", "\(configHex).json", "manifest.json"])

        let unpacked = try DockerHostFixtures.unpack(archive.path, into: directory, as: "unpacked")
        let manifest = try DockerHostFixtures.json(Data(contentsOf: URL(fileURLWithPath: unpacked + "/manifest.json")))
        let entries = try #require(manifest as? [[String: Any]])
        #expect(entries.count == 1)
        #expect(entries.first?["Config"] as? String == "\(configHex).json")
        #expect(entries.first?["RepoTags"] as? [String] == ["tools:1.0"])
        #expect(entries.first?["Layers"] as? [String] == ["\(layerHex)/layer.tar"])

        // The image ID is the config's digest and the diff_id is the layer tar's, as docker load checks.
        #expect(try DockerHostFixtures.sha256sum(unpacked + "/\(configHex).json") == configHex)
        #expect(try DockerHostFixtures.sha256sum(unpacked + "/\(layerHex)/layer.tar") == layerHex)
        let configData = try Data(contentsOf: URL(fileURLWithPath: unpacked + "/\(configHex).json"))
        let config = try #require(try DockerHostFixtures.json(configData) as? [String: Any])
        #expect(config["architecture"] as? String == "amd64")
        #expect(config["os"] as? String == "linux")
        #expect(config["created"] as? String == "2023-11-14T22:13:20Z")
        let rootfs = try #require(config["rootfs"] as? [String: Any])
        #expect(rootfs["type"] as? String == "layers")
        #expect(rootfs["diff_ids"] as? [String] == ["sha256:\(layerHex)"])
        let container = try #require(config["config"] as? [String: Any])
        #expect(container["Entrypoint"] as? [String] == ["/bin/sh", "-c"])
        #expect(container["Cmd"] as? [String] == ["echo hello"])
        #expect(container["Env"] as? [String] == ["LANG=C.UTF-8", "PATH=/bin"])
        #expect(container["WorkingDir"] as? String == "/srv")
        #expect(container["User"] as? String == "1000:1000")
        let history = try #require(config["history"] as? [[String: Any]])
        #expect(history.count == 1)
    }

    @Test func layerHoldsTheMergedTreeWithClampedTimes() throws {
        let directory = try TemporaryDirectory()
        let archive = try buildTools(in: directory)
        let unpacked = try DockerHostFixtures.unpack(archive.path, into: directory, as: "unpacked")
        let layer = unpacked + "/" + archive.diffID.dropFirst("sha256:".count) + "/layer.tar"
        let listing = try runTool(["tar", "-tvf", layer, "--numeric-owner", "--full-time"], environment: ["TZ": "UTC"])
        #expect(listing.status == 0, "\(listing.stderr)")
        let lines = listing.stdout.split(separator: "\n").map {
            $0.split(separator: " ", omittingEmptySubsequences: true)
        }
        func line(_ name: String) -> [Substring]? { lines.first { $0.count >= 6 && $0[5] == name } }
        #expect(line("bin/busybox")?.first == "-rwxr-xr-x")
        #expect(line("bin/ls")?.first == "hrwxr-xr-x")
        #expect(line("bin/ls")?.suffix(3).joined(separator: " ") == "link to bin/busybox")
        #expect(line("bin/sh")?.first == "lrwxrwxrwx")
        #expect(line("bin/sh")?.last == "busybox")
        #expect(line("usr/bin/passwd")?.first == "-rwsr-xr-x")
        #expect(line("etc/motd")?.first == "-rw-r-----")
        #expect(line("etc/motd")?[1] == "0/4")
        #expect(line("srv/data/")?.first == "drwxr-x---")
        #expect(line("srv/data/")?[1] == "1000/1000")
        // Every member, the fixture's new files included, carries the build's epoch at the latest.
        for fields in lines where fields.count >= 6 {
            #expect("\(fields[3]) \(fields[4])" <= "2023-11-14 22:13:20", "\(fields)")
        }
    }

    @Test func sameInputsGiveTheSameBytes() throws {
        let first = try TemporaryDirectory(), second = try TemporaryDirectory()
        let one = try buildTools(in: first)
        let two = try buildTools(in: second)
        #expect(try runTool(["cmp", one.path, two.path]).status == 0)
        #expect(one.sha256 == two.sha256)
        #expect(one.imageID == two.imageID)
        // And the epoch is part of the input: a later one changes the config's `created`.
        let later = try buildTools(in: second, epoch: DockerHostFixtures.epoch + 60)
        #expect(later.imageID != one.imageID)
    }

    @Test func archiveSourceKeepsContentAndConfig() throws {
        let directory = try TemporaryDirectory()
        let original = try buildTools(in: directory)
        let profile = try savedArchiveProfile(of: original, ref: "tools:1.0", in: directory)
        let image = try #require(profile.images.first)
        let (builder, _) = try DockerHostFixtures.builder(in: directory)
        let copy = try builder.build(image, reference: image.reference.value)
        #expect(copy.repoTag == "copy:latest")
        // The same tree written again gives the same layer; the config keeps the entrypoint and the rest.
        #expect(copy.diffID == original.diffID)
        let unpacked = try DockerHostFixtures.unpack(copy.path, into: directory, as: "copy")
        let configData = try Data(
            contentsOf: URL(fileURLWithPath: unpacked + "/" + copy.imageID.dropFirst("sha256:".count) + ".json"))
        let config = try #require(try DockerHostFixtures.json(configData) as? [String: Any])
        let container = try #require(config["config"] as? [String: Any])
        #expect(container["Entrypoint"] as? [String] == ["/bin/sh", "-c"])
        #expect(container["Env"] as? [String] == ["LANG=C.UTF-8", "PATH=/bin"])
        #expect(copy.layers.map(\.kind) == ["docker-archive"])
    }

    /// skopeo (containers/image) reads the archive as `docker load` would: it checks every layer
    /// against the config's diff_ids while copying it into an OCI layout.
    @Test func skopeoCopiesTheArchive() throws {
        let directory = try TemporaryDirectory()
        let archive = try buildTools(in: directory)
        let copy = try runTool([
            "skopeo", "copy", "docker-archive:\(archive.path)", "oci:\(directory.file("oci")):tools",
        ])
        #expect(copy.status == 0, "\(copy.stderr)")
        let inspect = try runTool(["skopeo", "inspect", "--config", "docker-archive:\(archive.path)"])
        #expect(inspect.status == 0, "\(inspect.stderr)")
        let config = try #require(try DockerHostFixtures.json(Data(inspect.stdout.utf8)) as? [String: Any])
        let rootfs = try #require(config["rootfs"] as? [String: Any])
        #expect(rootfs["diff_ids"] as? [String] == [archive.diffID])
    }

    /// The same image as an OCI layout directory and as an OCI archive (both written by skopeo)
    /// builds the same layer and keeps the config.
    @Test(arguments: ["oci", "oci-archive"])
    func ociSourcesBuildTheSameLayer(transport: String) throws {
        let directory = try TemporaryDirectory()
        let original = try buildTools(in: directory)
        let target = directory.file(transport == "oci" ? "layout" : "layout.tar")
        let copy = try runTool(["skopeo", "copy", "docker-archive:\(original.path)", "\(transport):\(target):tools"])
        #expect(copy.status == 0, "\(copy.stderr)")
        let profile = try DockerHostFixtures.profile(
            """
            images:
              copy:
                archive: \(target)
                ref: tools

            """, in: directory)
        let (builder, _) = try DockerHostFixtures.builder(in: directory)
        let rebuilt = try builder.build(try #require(profile.images.first), reference: "copy")
        #expect(rebuilt.diffID == original.diffID)
        let inspect = try runTool(["skopeo", "inspect", "--config", "docker-archive:\(rebuilt.path)"])
        let config = try #require(try DockerHostFixtures.json(Data(inspect.stdout.utf8)) as? [String: Any])
        let container = try #require(config["config"] as? [String: Any])
        #expect(container["Entrypoint"] as? [String] == ["/bin/sh", "-c"])
        #expect(container["User"] as? String == "1000:1000")
    }

    @Test func archiveWithoutTheImageNamedIsAnError() throws {
        let directory = try TemporaryDirectory()
        let original = try buildTools(in: directory)
        let profile = try savedArchiveProfile(of: original, ref: "other:2.0", in: directory)
        let (builder, _) = try DockerHostFixtures.builder(in: directory)
        let error = try #require(throws: (any Error).self) {
            try builder.build(try #require(profile.images.first), reference: "copy")
        }
        #expect(
            "\(error)".contains(#"(other:2.0): manifest.json has no image tagged "other:2.0" (tags: "tools:1.0")"#),
            "\(error)")
    }

    /// A profile whose image `copy` is `image` saved as saved.tar, selected by `ref`.
    private func savedArchiveProfile(of image: ContainerImageArchive, ref: String, in directory: TemporaryDirectory)
        throws
        -> Profile
    {
        try FileManager.default.copyItem(atPath: image.path, toPath: directory.file("saved.tar"))
        return try DockerHostFixtures.profile(
            """
            images:
              copy:
                archive: saved.tar
                ref: \(ref)

            """, in: directory)
    }

    @Test func plainTarIsNotAnImageArchive() throws {
        let directory = try TemporaryDirectory()
        try layerFixture(in: directory)
        let profile = try DockerHostFixtures.profile(
            """
            images:
              plain:
                archive: layer.tar

            """, in: directory)
        let (builder, _) = try DockerHostFixtures.builder(in: directory)
        let error = try #require(throws: RootfsError.self) {
            try builder.build(try #require(profile.images.first), reference: "plain")
        }
        #expect(error.layer == directory.file("layer.tar"))
        #expect("\(error.rule)".hasPrefix("it has neither manifest.json (a docker save archive) nor oci-layout"))
    }

    @Test(arguments: [
        ("hello", "hello:latest"),
        ("tools:1.0", "tools:1.0"),
        ("slipway-system/syslog", "slipway-system/syslog:latest"),
        ("localhost:5000/tools", "localhost:5000/tools:latest"),
        ("localhost:5000/tools:2", "localhost:5000/tools:2"),
    ])
    func referencesGetATag(reference: String, tag: String) throws {
        #expect(try DockerImageFormat.repoTag(reference) == tag)
    }

    @Test(arguments: ["", "tools@sha256:0123", "two words"])
    func digestsAndBadNamesCannotBeTags(reference: String) {
        #expect(throws: BuildError.self) { try DockerImageFormat.repoTag(reference) }
    }
}
