import Foundation
import TestSupport
import Testing

/// Verified roots proven by booting (root.verity: true): a minimal image boots through its verity
/// device; one flipped byte in a file the boot reads (a comment of /etc/init.d/rcS), which the same
/// image without verity boots with unnoticed, panics the kernel naming dm-verity and never gets to
/// ready; a verified v2 installed in slot B boots verified, and with a byte of slot B's superblock
/// flipped the loader falls back to slot A after B's tries.
@Suite(.serialized) struct VerityBootTests {
    /// v1 (1.0.0) and v2 (2.0.0, signed) of minimal with root.verity, 2 tries per new slot, and the
    /// plain minimal image, built once per test run.
    struct Built {
        var directory: String
        var v1Image: String { directory + "/out-v1/minimal.img" }
        var v2Payload: String { directory + "/out-v2/minimal.update" }
        var plainImage: String { directory + "/out-plain/minimal.img" }
    }

    static let built: Result<Built, any Error> = Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-verity-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let slipway = try Fixtures.slipwayExecutable()
        let keys = try runTool([slipway, "keys", "generate", directory + "/keys"])
        guard keys.status == 0 else { throw FixtureError("keys generate: \(keys.stderr)") }
        let minimal = packageRoot().appendingPathComponent("profiles/minimal.yaml").path
        for (name, version, verity) in [("v1", "1.0.0", true), ("v2", "2.0.0", true), ("plain", "1.0.0", false)] {
            let text = """
                name: minimal
                extends: \(minimal)
                version: "\(version)"
                root:
                  verity: \(verity)
                update:
                  keys: [keys/update.pub]
                  tries: 2

                """
            try text.write(toFile: "\(directory)/\(name).yaml", atomically: true, encoding: .utf8)
            var arguments = [
                slipway, "build", "\(directory)/\(name).yaml", "--output", "\(directory)/out-\(name)", "-q",
            ]
            if name == "v2" { arguments += ["--signing-key", "\(directory)/keys/update.key"] }
            let build = try runTool(arguments)
            guard build.status == 0 else { throw FixtureError("slipway build \(name): \(build.stderr)") }
        }
        return Built(directory: directory)
    }

    func boot(_ image: String, expect: String, reboots: Int = 0, timeout: Int = 240) throws -> CommandResult {
        try runTool([
            try Fixtures.slipwayExecutable(), "run", image, "--persist", "--expect", expect, "--reboots", "\(reboots)",
            "--timeout", "\(timeout)", "--memory", "512M",
        ])
    }

    func copy(_ image: String, in scratch: TemporaryDirectory) throws -> String {
        let copy = scratch.file("disk.img")
        try runTool(["cp", "--sparse=always", image, copy])
        return copy
    }

    /// Flips one bit of the byte at `offset` in `partition` of `image`.
    func flipByte(_ image: String, partition: String, at offset: UInt64) throws {
        let slot = try #require(try UpdateFixtures.partitions(of: image)[partition])
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: image))
        defer { try? handle.close() }
        let position = UInt64(slot.start) * 512 + offset
        try handle.seek(toOffset: position)
        let byte = try #require(try handle.read(upToCount: 1)?.first)
        try handle.seek(toOffset: position)
        handle.write(Data([byte ^ 0x01]))
    }

    /// Where byte 12 of /etc/init.d/rcS (in its comment) is in the root image `rootfs`: busybox init
    /// reads the script after the switch to the root, and without verity nothing checks its data.
    func rcSCommentOffset(_ rootfs: String) throws -> UInt64 {
        let block = try runTool(["debugfs", "-R", "bmap /etc/init.d/rcS 0", rootfs]).stdout
        let number = try #require(UInt64(block.trimmingCharacters(in: .whitespacesAndNewlines)))
        return number * 4096 + 12
    }

    /// The options of slot A's entry in `image`, read with mtools.
    func slotAOptions(_ image: String) throws -> [String: String] {
        let esp = try #require(try UpdateFixtures.partitions(of: image)["ESP"])
        let entry = try runTool(["mtype", "-i", "\(image)@@\(esp.start * 512)", "::/loader/entries/slipway-a+2.conf"])
        let options = try #require(entry.stdout.split(separator: "\n").first { $0.hasPrefix("options ") })
        var values: [String: String] = [:]
        for word in options.split(separator: " ") {
            guard let equals = word.firstIndex(of: "=") else { continue }
            values[String(word[..<equals])] = String(word[word.index(after: equals)...])
        }
        return values
    }

    /// Not a boot: the entry's verity arguments describe the root image (veritysetup agrees), and a
    /// second build of the same profile is byte-identical, tree and entry included.
    @Test func theEntryDescribesTheTreeAndRebuildsAreByteIdentical() throws {
        let built = try Self.built.get()
        let options = try slotAOptions(built.v1Image)
        let rootHash = try #require(options["slipway.verity"])
        let salt = try #require(options["slipway.verity.salt"])
        let blocks = try #require(options["slipway.verity.data-blocks"].flatMap { Int($0) })
        let rootfs = built.directory + "/out-v1/minimal.rootfs.ext4"
        let verify = try runTool([
            "veritysetup", "verify", "--no-superblock", "--data-blocks=\(blocks)", "--hash-offset=\(blocks * 4096)",
            "--salt=\(salt)", rootfs, rootfs, rootHash,
        ])
        #expect(verify.status == 0, "\(verify.stderr)")
        // The manifest records the same tree.
        let manifest = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: built.directory + "/out-v1/minimal.manifest.json")))
        let verity = try #require((manifest as? [String: Any])?["verity"] as? [String: Any])
        #expect(verity["rootHash"] as? String == rootHash && verity["salt"] as? String == salt)
        #expect(verity["dataBlocks"] as? Int == blocks && (verity["treeSize"] as? Int ?? 0) > 0)
        // The filesystem ends where the tree starts.
        let dump = try runTool(["dumpe2fs", "-h", rootfs]).stdout
        let count = dump.split(separator: "\n").first { $0.hasPrefix("Block count:") }
        #expect(
            count.map { $0.dropFirst(12).trimmingCharacters(in: .whitespaces) } == "\(blocks)", "\(dump.prefix(1500))")
        let again = try runTool([
            try Fixtures.slipwayExecutable(), "build", built.directory + "/v1.yaml", "--output",
            built.directory + "/out-again", "-q",
        ])
        #expect(again.status == 0, "\(again.stderr)")
        for file in ["minimal.img", "minimal.rootfs.ext4"] {
            #expect(
                try UpdateFixtures.sha256(built.directory + "/out-v1/" + file)
                    == (try UpdateFixtures.sha256(built.directory + "/out-again/" + file)), "\(file)")
        }
    }

    @Test func aVerifiedRootBootsToReady() throws {
        let scratch = try TemporaryDirectory("slipway-verity-boot")
        let image = try copy(try Self.built.get().v1Image, in: scratch)
        let result = try boot(image, expect: "slipway: ready")
        #expect(result.status == 0, "\(result.stdout.suffix(3000))")
        let console = result.stdout
        #expect(console.contains("slipway-initrd: ["), "\(console.suffix(3000))")
        #expect(console.contains("] verity root /dev/vda2 → /dev/dm-0, root hash "), "\(console.suffix(3000))")
        #expect(console.contains(" (/dev/dm-0) read-only on /sysroot"))
        #expect(console.contains(" slipway.verity.data-blocks="))
        #expect(!console.contains("corrupted"))
    }

    @Test func aFlippedByteInTheRootSlotPanicsNamingVerity() throws {
        let built = try Self.built.get()
        let scratch = try TemporaryDirectory("slipway-verity-flip")
        // Without verity the flipped byte goes unnoticed: ext4 checksums its metadata, not file data.
        let plain = try copy(built.plainImage, in: scratch)
        try flipByte(
            plain, partition: "ROOT-A", at: try rcSCommentOffset(built.directory + "/out-plain/minimal.rootfs.ext4"))
        let unnoticed = try boot(plain, expect: "slipway: ready")
        #expect(unnoticed.status == 0, "\(unnoticed.stdout.suffix(3000))")
        try FileManager.default.removeItem(atPath: plain)

        let image = try copy(built.v1Image, in: scratch)
        try flipByte(
            image, partition: "ROOT-A", at: try rcSCommentOffset(built.directory + "/out-v1/minimal.rootfs.ext4"))
        let result = try boot(image, expect: "Kernel panic - not syncing: dm-verity device corrupted", timeout: 180)
        #expect(result.status == 0, "\(result.stdout.suffix(3000))")
        // The device is the data device's major:minor (vda2).
        #expect(result.stdout.contains(" is corrupted"), "\(result.stdout.suffix(3000))")
        #expect(result.stdout.contains("device-mapper: verity: "))
        #expect(!result.stdout.contains("slipway: root is read-only"))
        #expect(!result.stdout.contains("slipway: ready"))
    }

    @Test func aVerifiedUpdateBootsFromSlotBAndACorruptOneFallsBack() throws {
        let built = try Self.built.get()
        let scratch = try TemporaryDirectory("slipway-verity-update")
        let slipway = try Fixtures.slipwayExecutable()
        let image = try copy(built.v1Image, in: scratch)
        let applied = try runTool([slipway, "update", "apply", image, built.v2Payload, "--quiet"])
        #expect(applied.status == 0, "\(applied.stderr)")
        let pristine = scratch.file("applied.img")
        try runTool(["cp", "--sparse=always", image, pristine])

        // Slot B boots through its own tree (the payload's root image and options carry it).
        let updated = try boot(image, expect: "slipway: slot b version 2.0.0 is good")
        #expect(updated.status == 0, "\(updated.stdout.suffix(3000))")
        #expect(updated.stdout.contains("] verity root /dev/vda3 → /dev/dm-0, root hash "))
        #expect(updated.stdout.contains("slipway: booting slot b, version 2.0.0"))

        // One flipped byte in slot B: each of its 2 tries panics, then slot A boots and is blessed.
        // A byte of the superblock's volume name, which the mount reads.
        try flipByte(pristine, partition: "ROOT-B", at: 0x478)
        let result = try boot(pristine, expect: "slipway: slot a version 1\\.0\\.0 is good", reboots: 3, timeout: 420)
        #expect(result.status == 0, "\(result.stdout.suffix(3000))")
        let console = result.stdout
        #expect(
            console.components(separatedBy: "Kernel panic - not syncing: dm-verity device corrupted").count - 1 == 2,
            "\(console.suffix(4000))")
        #expect(console.contains(": data block 0 is corrupted"))
        #expect(console.contains("slipway: booting slot a, version 1.0.0"))
        #expect(try UpdateFixtures.entries(of: pristine) == ["slipway-a.conf", "slipway-b+0-2.conf"])
    }

    /// docker-host with root.verity: systemd, both Docker daemons and the system containers come up
    /// on the verified root (a boot of about a minute under TCG).
    @Test func aVerifiedDockerHostBootsToReady() throws {
        let scratch = try TemporaryDirectory("slipway-verity-docker-host")
        let profile = scratch.file("docker-host.yaml")
        let base = packageRoot().appendingPathComponent("profiles/docker-host.yaml").path
        try "name: docker-host\nextends: \(base)\nroot:\n  verity: true\n".write(
            toFile: profile, atomically: true, encoding: .utf8)
        let slipway = try Fixtures.slipwayExecutable()
        let build = try runTool([slipway, "build", profile, "--output", scratch.file("out"), "-q"])
        #expect(build.status == 0, "\(build.stderr)")
        let result = try runTool([
            slipway, "run", scratch.file("out/docker-host.img"), "--expect", "slipway: ready", "--timeout", "480",
        ])
        #expect(result.status == 0, "\(result.stdout.suffix(3000))")
        #expect(
            result.stdout.contains("] verity root /dev/vda2 → /dev/dm-0, root hash "), "\(result.stdout.suffix(3000))")
        #expect(!result.stdout.contains("corrupted"))
    }
}
