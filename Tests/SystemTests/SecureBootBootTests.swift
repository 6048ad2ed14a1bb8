// Secure Boot end to end: `slipway build --secure-boot-key` signs systemd-boot and slot A's unified
// kernel image with Debian's snakeoil key, and `slipway run --secure-boot` boots OVMF's Secure Boot
// build with that key enrolled. The firmware must start the signed image and refuse an unsigned or
// changed one.
import Foundation
import TestSupport
import Testing

@Suite(.serialized) struct SecureBootBootTests {
    static let certificate = "/usr/share/ovmf/PkKek-1-snakeoil.pem"

    /// The minimal profile built signed, and the same profile built without a key; both kept for the
    /// suite's tests.
    static let built: Result<(signed: String, unsigned: String), any Error> = Result {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-secure-boot-\(getpid())").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let key = root + "/snakeoil.key"
        let decrypt = try runTool([
            "openssl", "pkey", "-in", "/usr/share/ovmf/PkKek-1-snakeoil.key", "-passin", "pass:snakeoil", "-out", key,
        ])
        guard decrypt.status == 0 else { throw FixtureError("openssl pkey: \(decrypt.stderr)") }
        let profile = packageRoot().appendingPathComponent("profiles/minimal.yaml").path
        for (directory, signing) in [
            ("signed", ["--secure-boot-key", key, "--secure-boot-cert", certificate]), ("unsigned", []),
        ] {
            let build = try runTool(
                [try Fixtures.slipwayExecutable(), "build", profile, "--output", root + "/" + directory, "--quiet"]
                    + signing)
            guard build.status == 0 else { throw FixtureError("slipway build \(directory) failed: \(build.stderr)") }
        }
        return (root + "/signed/minimal.img", root + "/unsigned/minimal.img")
    }

    private func run(_ image: String, expect: String, timeout: Int) throws -> CommandResult {
        try runTool([
            try Fixtures.slipwayExecutable(), "run", image, "--secure-boot", "--expect", expect, "--timeout",
            "\(timeout)", "--memory", "512M",
        ])
    }

    @Test func aSignedImageBootsToReadyWithSecureBootEnforced() throws {
        let image = try Self.built.get().signed
        let result = try run(image, expect: "slipway: ready", timeout: 300)
        #expect(result.status == 0, "\(result.stderr)\n\(result.stdout.suffix(2000))")
        #expect(result.stdout.contains("secureboot: Secure boot enabled"), "\(result.stdout.prefix(3000))")
        // The kernel's command line is the one sealed in the image, with the marker the initrd reads.
        #expect(result.stdout.contains("slipway.uki=1"))
    }

    @Test func anUnsignedImageIsRefusedByTheFirmware() throws {
        let image = try Self.built.get().unsigned
        let result = try run(image, expect: "Access Denied", timeout: 240)
        #expect(result.status == 0, "\(result.stdout.suffix(2000))")
        #expect(!result.stdout.contains("Linux version"))
    }

    /// One byte of the kernel inside the signed image changed on the ESP: systemd-boot (signed) starts,
    /// the firmware refuses the image it asks for, and no kernel runs.
    @Test func aTamperedUnifiedImageIsRefused() throws {
        let signed = try Self.built.get().signed
        let scratch = try TemporaryDirectory("secure-boot-tamper")
        let image = scratch.file("tampered.img")
        #expect(try runTool(["cp", "--sparse=always", signed, image]).status == 0)
        let esp = try Self.espOffset(image)
        let efi = scratch.file("linux.efi")
        #expect(try runTool(["mcopy", "-n", "-i", "\(image)@@\(esp)", "::/slipway-a/linux.efi", efi]).status == 0)
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: efi)))
        bytes[bytes.count / 2] ^= 0x01  // inside .linux, the largest section but the initrd
        try Data(bytes).write(to: URL(fileURLWithPath: efi))
        #expect(try runTool(["mcopy", "-o", "-i", "\(image)@@\(esp)", efi, "::/slipway-a/linux.efi"]).status == 0)
        #expect(try runTool(["sbverify", "--cert", Self.certificate, efi]).status != 0)

        let result = try run(image, expect: "(?i)access denied|security violation", timeout: 240)
        #expect(result.status == 0, "\(result.stdout.suffix(2000))")
        #expect(!result.stdout.contains("Linux version"), "\(result.stdout.suffix(2000))")
    }

    /// Two builds with the same key and epoch are byte-identical, signatures included.
    @Test func signedBuildsAreReproducible() throws {
        let signed = try Self.built.get().signed
        let again = try TemporaryDirectory("secure-boot-again")
        let directory = (signed as NSString).deletingLastPathComponent
        let key = (directory as NSString).deletingLastPathComponent + "/snakeoil.key"
        let build = try runTool([
            try Fixtures.slipwayExecutable(), "build",
            packageRoot().appendingPathComponent("profiles/minimal.yaml").path,
            "--output", again.path, "--quiet", "--secure-boot-key", key, "--secure-boot-cert", Self.certificate,
        ])
        #expect(build.status == 0, "\(build.stderr)")
        #expect(FileManager.default.contentsEqual(atPath: signed, andPath: again.file("minimal.img")))
    }

    /// A first-boot config that changes kernel arguments cannot change a sealed command line: the
    /// first boot fails with that reason instead of editing an entry the stub ignores.
    @Test func firstBootKernelArgumentsAreRefusedOnASealedImage() throws {
        let image = try Self.built.get().signed
        let scratch = try TemporaryDirectory("secure-boot-kargs")
        let config = scratch.file("kargs.ign")
        try #"{"ignition": {"version": "3.4.0"}, "kernelArguments": {"shouldExist": ["quiet"]}}"#.write(
            toFile: config, atomically: true, encoding: .utf8)
        let result = try runTool([
            try Fixtures.slipwayExecutable(), "run", image, "--secure-boot", "--config", config, "--expect",
            "starting rescue shell|slipway: ready", "--timeout", "300", "--memory", "512M",
        ])
        #expect(result.status == 0, "\(result.stdout.suffix(2000))")
        #expect(
            result.stdout.contains(
                "first boot failed: kernel arguments: kernel command line: the slot boots a unified kernel image "
                    + "(kernel.uki), whose command line is sealed in it"), "\(result.stdout.suffix(3000))")
        #expect(!result.stdout.contains("slipway: ready"))
    }

    /// What cannot work is refused before the build starts, naming the flag.
    @Test func unusableSigningRequestsAreRefused() throws {
        let scratch = try TemporaryDirectory("secure-boot-refused")
        let profile = packageRoot().appendingPathComponent("profiles/minimal.yaml").path
        func build(_ options: [String]) throws -> CommandResult {
            try runTool([try Fixtures.slipwayExecutable(), "build", profile, "--output", scratch.path] + options)
        }
        let alone = try build(["--secure-boot-key", "k.pem"])
        #expect(alone.status == 2 && alone.stderr.contains("--secure-boot-key and --secure-boot-cert go together"))
        let encrypted = try build([
            "--secure-boot-key", "/usr/share/ovmf/PkKek-1-snakeoil.key", "--secure-boot-cert", Self.certificate,
        ])
        #expect(encrypted.status == 1 && encrypted.stderr.contains("the key is encrypted"), "\(encrypted.stderr)")
        let keys = try runTool([try Fixtures.slipwayExecutable(), "keys", "generate", scratch.file("keys")])
        #expect(keys.status == 0, "\(keys.stderr)")
        let signed = (try Self.built.get().signed as NSString).deletingLastPathComponent
        let payload = try build([
            "--secure-boot-key", (signed as NSString).deletingLastPathComponent + "/snakeoil.key",
            "--secure-boot-cert", Self.certificate, "--signing-key", scratch.file("keys/update.key"),
        ])
        #expect(
            payload.status == 1 && payload.stderr.contains("update payloads do not carry unified kernel images yet"),
            "\(payload.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).sorted() == ["keys"])
    }

    /// The ESP's byte offset in `image`, from sfdisk.
    static func espOffset(_ image: String) throws -> Int {
        let table = try runTool(["sfdisk", "--json", image]).stdout
        let json = try JSONSerialization.jsonObject(with: Data(table.utf8)) as? [String: Any]
        let partitions = ((json?["partitiontable"] as? [String: Any])?["partitions"] as? [[String: Any]]) ?? []
        let esp = try #require(partitions.first { ($0["name"] as? String) == "ESP" })
        return try #require(esp["start"] as? Int) * 512
    }
}
