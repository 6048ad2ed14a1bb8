import Build
import Foundation
import TestSupport
import Testing

/// Builds the shipped profiles from real Debian packages and checks the outputs with e2fsck and debugfs.
@Suite(.serialized) struct BuildPipelineTests {
    /// A package cache shared by the tests of this suite (and kept between runs), so packages download once.
    static let cache = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-test-cache/packages").path

    private func build(_ profile: String, into output: String, epoch: Int64? = nil) throws -> BuildResult {
        let request = BuildRequest(
            profilePath: packageRoot().appendingPathComponent("profiles/\(profile)").path, outputDirectory: output,
            cacheDirectory: Self.cache, sourceDateEpoch: epoch, initrdExecutable: try Fixtures.initrdExecutable())
        return try Builder(request).build()
    }

    private func debugfs(_ command: String, _ image: String) throws -> String {
        try runTool(["debugfs", "-R", command, image]).stdout
    }

    @Test func minimalRootfsIsCleanAndHasBusyboxInit() throws {
        let dir = try TemporaryDirectory()
        let result = try build("minimal.yaml", into: dir.path)
        let image = try #require(result.outputs["rootfs"])
        let fsck = try runTool(["e2fsck", "-fn", image])
        #expect(fsck.status == 0, "\(fsck.stdout)\(fsck.stderr)")
        #expect(try debugfs("stat /bin/busybox", image).contains("Type: regular"))
        #expect(try debugfs("stat /sbin/init", image).contains("Fast link dest: \"/bin/busybox\""))
        #expect(try debugfs("cat /etc/passwd", image).contains("root:x:0:0::/root:/bin/sh"))
        // Documentation is trimmed by the base profile's root.remove.
        #expect(
            try runTool(["debugfs", "-R", "stat /usr/share/doc/busybox-static", image]).stderr.contains(
                "File not found"))
        // The read-only feature is set on roots.
        #expect(try runTool(["dumpe2fs", "-h", image]).stdout.contains("read-only"))
        // Nothing but the outputs is left in the output directory (no staging or content-store files).
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(
            names == [
                "minimal.img", "minimal.initrd.img", "minimal.manifest.json", "minimal.rootfs.ext4",
                "minimal.spdx.json", "minimal.vmlinuz",
            ])
    }

    @Test func rebuildIsByteIdentical() throws {
        let first = try TemporaryDirectory(), second = try TemporaryDirectory()
        _ = try build("minimal.yaml", into: first.path)
        _ = try build("minimal.yaml", into: second.path)
        for name in ["minimal.rootfs.ext4", "minimal.manifest.json", "minimal.img", "minimal.initrd.img"] {
            let compare = try runTool(["cmp", first.file(name), second.file(name)])
            #expect(compare.status == 0, "\(name) differs: \(compare.stdout)")
        }
    }

    @Test func sourceDateEpochClampsEveryTime() throws {
        let dir = try TemporaryDirectory()
        let result = try build("minimal.yaml", into: dir.path, epoch: 1_000_000_000)
        let image = try #require(result.outputs["rootfs"])
        let stat = try debugfs("stat /bin/busybox", image)
        #expect(stat.contains("mtime: 0x3b9aca00"), "\(stat)")
    }

    @Test func manifestListsPackagesWithDigestsThatMatchTheCache() throws {
        let dir = try TemporaryDirectory()
        let result = try build("minimal.yaml", into: dir.path)
        let data = try Data(contentsOf: URL(fileURLWithPath: result.manifest))
        let manifest = try JSONDecoder().decode(Manifest.self, from: data)
        let busybox = try #require(manifest.packages.first { $0.name == "busybox-static" })
        #expect(busybox.sha256.count == 64)
        #expect(manifest.layers.map(\.kind).contains("overlay"))
        let rootfs = try #require(manifest.outputs["rootfs"])
        let digest = try runTool(["sha256sum", dir.file("minimal.rootfs.ext4")]).stdout.prefix(64)
        #expect(rootfs.sha256 == String(digest))
    }

    @Test func failedBuildLeavesPreviousOutputsAlone() throws {
        let dir = try TemporaryDirectory()
        _ = try build("minimal.yaml", into: dir.path)
        let before = try Data(contentsOf: URL(fileURLWithPath: dir.file("minimal.rootfs.ext4")))
        let broken = dir.file("broken.yaml")
        try """
        name: minimal
        extends: \(packageRoot().appendingPathComponent("profiles/minimal.yaml").path)
        root:
          layers:
            - packages: [slipway-no-such-package]
        """.write(toFile: broken, atomically: true, encoding: .utf8)
        let request = BuildRequest(
            profilePath: broken, outputDirectory: dir.path, cacheDirectory: Self.cache,
            initrdExecutable: try Fixtures.initrdExecutable())
        #expect(throws: (any Error).self) { try Builder(request).build() }
        let after = try Data(contentsOf: URL(fileURLWithPath: dir.file("minimal.rootfs.ext4")))
        #expect(before == after)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test func dockerHostRootfsFromRealPackages() throws {
        let dir = try TemporaryDirectory()
        let result = try build("docker-host.yaml", into: dir.path)
        let image = try #require(result.outputs["rootfs"])
        let fsck = try runTool(["e2fsck", "-fn", image])
        #expect(fsck.status == 0, "\(fsck.stdout)\(fsck.stderr)")
        for binary in ["/usr/sbin/dockerd", "/usr/bin/containerd", "/usr/sbin/runc", "/lib/systemd/systemd"] {
            #expect(try debugfs("stat \(binary)", image).contains("Type: regular"), "\(binary)")
        }
        #expect(try debugfs("stat /usr/sbin/iptables", image).contains("Fast link dest: \"iptables-legacy\""))
        #expect(result.packages > 20)
    }

    @Test func kernelFromFilesInsteadOfAPackage() throws {
        let dir = try TemporaryDirectory()
        let unpacked = dir.file("kernel")
        #expect(try runTool(["dpkg-deb", "-x", try Fixtures.kernelPackage(), unpacked]).status == 0)
        let version = try #require(
            try FileManager.default.contentsOfDirectory(atPath: unpacked + "/lib/modules").first)
        // A hand-made configuration: the kernel unpacks zstd, so the initrd is zstd.
        try "CONFIG_BLK_DEV_INITRD=y\nCONFIG_RD_GZIP=y\nCONFIG_RD_ZSTD=y\n".write(
            toFile: dir.file("kernel.config"), atomically: true, encoding: .utf8)
        let profile = dir.file("files.yaml")
        try """
        name: minimal
        extends: \(packageRoot().appendingPathComponent("profiles/minimal.yaml").path)
        kernel:
          package: null
          files:
            image: \(unpacked)/boot/vmlinuz-\(version)
            modules-dir: \(unpacked)/lib/modules/\(version)
            config: kernel.config
        """.write(toFile: profile, atomically: true, encoding: .utf8)
        let request = BuildRequest(
            profilePath: profile, outputDirectory: dir.file("out"), cacheDirectory: Self.cache,
            initrdExecutable: try Fixtures.initrdExecutable())
        let result = try Builder(request).build()
        let kernel = try #require(result.outputs["kernel"])
        #expect(try runTool(["cmp", kernel, "\(unpacked)/boot/vmlinuz-\(version)"]).status == 0)
        let initrd = try #require(result.outputs["initrd"])
        let magic = try Data(contentsOf: URL(fileURLWithPath: initrd)).prefix(4)
        #expect(Array(magic) == [0x28, 0xB5, 0x2F, 0xFD], "a zstd frame")
        let listing = try runTool(["sh", "-c", "zstdcat '\(initrd)' | cpio -t 2>/dev/null"]).stdout
        #expect(listing.contains("virtio_blk.ko"), "\(listing.prefix(2000))")
    }

    @Test func qcow2OutputHoldsTheSameDisk() throws {
        let dir = try TemporaryDirectory()
        var request = BuildRequest(
            profilePath: packageRoot().appendingPathComponent("profiles/minimal.yaml").path, outputDirectory: dir.path,
            cacheDirectory: Self.cache, initrdExecutable: try Fixtures.initrdExecutable())
        request.format = "qcow2"
        let result = try Builder(request).build()
        let qcow2 = try #require(result.outputs["qcow2"]), raw = try #require(result.outputs["image"])
        #expect(try runTool(["qemu-img", "check", qcow2]).status == 0)
        #expect(try runTool(["qemu-img", "compare", "-f", "raw", "-F", "qcow2", raw, qcow2]).status == 0)
    }
}
