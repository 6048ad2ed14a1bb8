import Foundation
import TestSupport
import Testing

/// `slipway update apply IMAGE PAYLOAD` on image files: what it writes, checked with sfdisk, cmp,
/// e2fsck and mtools, and every refusal leaving the image byte-identical.
@Suite(.serialized) struct UpdateCommandTests {
    func apply(_ image: String, _ payload: String, _ extra: [String] = []) throws -> CommandResult {
        try runTool([try Fixtures.slipwayExecutable(), "update", "apply", image, payload] + extra)
    }

    @Test func installsTheRootKernelInitrdAndEntryOfSlotB() throws {
        let built = try UpdateFixtures.built.get()
        let scratch = try TemporaryDirectory("slipway-update-apply")
        let image = try UpdateFixtures.v1Copy(in: scratch)
        let parts = try UpdateFixtures.partitions(of: image)
        let rootA = try #require(parts["ROOT-A"]), rootB = try #require(parts["ROOT-B"])
        let before = try runTool([
            "sh", "-c", "dd if='\(image)' bs=512 skip=\(rootA.start) count=\(rootA.size) status=none | sha256sum",
        ])

        let result = try apply(image, built.payload("v2"))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("installed version 2.0.0 in slot b (slipway-b+2.conf)"))
        // Slot B holds v2's root filesystem byte for byte, and it checks clean.
        let rootfsSize = try #require(
            try FileManager.default.attributesOfItem(atPath: built.rootfs("v2"))[.size] as? Int)
        let compare = try runTool([
            "sh", "-c",
            "dd if='\(image)' bs=512 skip=\(rootB.start) count=\(rootfsSize / 512) status=none | cmp - '\(built.rootfs("v2"))'",
        ])
        #expect(compare.status == 0, "\(compare.stdout)")
        let fsck = try runTool(["e2fsck", "-fn", "\(image)?offset=\(rootB.start * 512)"])
        #expect(fsck.status == 0, "\(fsck.stdout)")
        // Slot A is untouched, and its entry is still there.
        let after = try runTool([
            "sh", "-c", "dd if='\(image)' bs=512 skip=\(rootA.start) count=\(rootA.size) status=none | sha256sum",
        ])
        #expect(after.stdout == before.stdout)
        #expect(try UpdateFixtures.entries(of: image) == ["slipway-a+2.conf", "slipway-b+2.conf"])
        // The new entry boots ROOT-B by PARTUUID with v2's version, and sorts first (generation 2).
        let esp = try #require(parts["ESP"])
        let entry = try runTool(["mtype", "-i", "\(image)@@\(esp.start * 512)", "::/loader/entries/slipway-b+2.conf"])
        #expect(entry.stdout.contains("version 2\n"))
        #expect(
            entry.stdout.contains("options slipway.root=PARTUUID=\(rootB.uuid) slipway.slot=b slipway.version=2.0.0 "))
        let kernel = try runTool([
            "sh", "-c",
            "mtype -i '\(image)@@\(esp.start * 512)' ::/slipway-b/vmlinuz | cmp - '\(built.directory)/out-v2/minimal.vmlinuz'",
        ])
        #expect(kernel.status == 0)
        // inspect reports both slots.
        let inspect = try runTool([try Fixtures.slipwayExecutable(), "inspect", image])
        #expect(inspect.stdout.contains("slipway-b+2.conf"), "\(inspect.stdout)")
    }

    @Test(arguments: [
        ("stranger", "untrusted: signed by key"),
        ("v0", "version 0.9.0 is older than the running 1.0.0"),
        ("v1-again", "not a slipway update payload"),
        ("big", "the root filesystem is 104857600 bytes and slot B (ROOT-B) holds 67108864"),
    ])
    func refusesAndLeavesTheImageByteIdentical(payload: String, message: String) throws {
        let built = try UpdateFixtures.built.get()
        let scratch = try TemporaryDirectory("slipway-update-refuse")
        let image = try UpdateFixtures.v1Copy(in: scratch)
        let before = try UpdateFixtures.sha256(image)
        let path = payload == "v1-again" ? built.v1Image : built.payload(payload)
        let result = try apply(image, path)
        #expect(result.status == 1)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(try UpdateFixtures.sha256(image) == before)
    }

    /// Damaged payloads: each is refused before the first write, naming what is wrong.
    @Test(arguments: ["signature", "truncated", "chunk"])
    func refusesADamagedPayload(damage: String) throws {
        let built = try UpdateFixtures.built.get()
        let scratch = try TemporaryDirectory("slipway-update-damaged")
        let image = try UpdateFixtures.v1Copy(in: scratch)
        let before = try UpdateFixtures.sha256(image)
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: built.payload("v2"))))
        let expected: String
        switch damage {
        case "signature":
            // The title is in the signed manifest: one changed letter and the signature fails.
            let title = Array("title Busybox".utf8)
            let at = try #require((0..<4096).first { Array(bytes[$0..<$0 + title.count]) == title })
            bytes[at + 6] = UInt8(ascii: "b")
            expected = "bad signature"
        case "truncated":
            bytes.removeLast(4096)
            expected = "truncated"
        default:
            bytes[bytes.count - 5000] ^= 0x55
            expected = "does not match its digest in the signed manifest"
        }
        let payload = scratch.file("damaged.update")
        try Data(bytes).write(to: URL(fileURLWithPath: payload))
        let result = try apply(image, payload)
        #expect(result.status == 1)
        #expect(result.stderr.contains(expected), "\(result.stderr)")
        #expect(try UpdateFixtures.sha256(image) == before)
    }

    @Test func allowDowngradeInstallsAnOlderVersion() throws {
        let built = try UpdateFixtures.built.get()
        let scratch = try TemporaryDirectory("slipway-update-downgrade")
        let image = try UpdateFixtures.v1Copy(in: scratch)
        let result = try apply(image, built.payload("v0"), ["--allow-downgrade"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("installed version 0.9.0 in slot b"))
    }

    /// --quiet prints nothing when the update is installed; a refusal is still reported.
    @Test func quietPrintsNothingOnSuccess() throws {
        let built = try UpdateFixtures.built.get()
        let scratch = try TemporaryDirectory("slipway-update-quiet")
        let image = try UpdateFixtures.v1Copy(in: scratch)
        let result = try apply(image, built.payload("v2"), ["--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.isEmpty && result.stderr.isEmpty, "\(result.stdout)\(result.stderr)")
        let again = try apply(image, built.payload("v2"), ["-q"])
        #expect(again.status == 1)
        #expect(again.stderr.hasPrefix("slipway update apply: "), "\(again.stderr)")
    }

    /// A second update before the first was booted and blessed would overwrite its fallback.
    @Test func refusesToOverwriteTheFallbackOfAnUnblessedSlot() throws {
        let built = try UpdateFixtures.built.get()
        let scratch = try TemporaryDirectory("slipway-update-twice")
        let image = try UpdateFixtures.v1Copy(in: scratch)
        #expect(try apply(image, built.payload("v2")).status == 0)
        let before = try UpdateFixtures.sha256(image)
        let again = try apply(image, built.payload("v0"), ["--allow-downgrade"])
        #expect(again.status == 1)
        #expect(
            again.stderr.contains(
                "slot B (version 2.0.0) has not been blessed yet, and slot A (version 1.0.0) is its fallback"),
            "\(again.stderr)")
        #expect(try UpdateFixtures.sha256(image) == before)
    }

    @Test func rebuiltPayloadIsByteIdentical() throws {
        let built = try UpdateFixtures.built.get()
        let output = built.directory + "/out-v2-again"
        let build = try runTool([
            try Fixtures.slipwayExecutable(), "build", built.directory + "/v2.yaml", "--output", output, "--quiet",
            "--signing-key", built.directory + "/keys/update.key",
        ])
        #expect(build.status == 0, "\(build.stderr)")
        #expect(FileManager.default.contentsEqual(atPath: output + "/minimal.update", andPath: built.payload("v2")))
    }
}
