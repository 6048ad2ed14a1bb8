import Foundation
import Profile
import TestSupport
import Testing

@testable import Build

/// `firstboot.platform` and `slipway build --platform`: the console and `slipway.platform=` each
/// platform writes into the boot entry, read back from a built image's ESP with mtools, and the
/// refusal of a platform slipway does not know.
@Suite(.serialized) struct PlatformBuildTests {
    static func minimal() -> String { packageRoot().appendingPathComponent("profiles/minimal.yaml").path }

    /// The arguments after slipway.timeout= for the shipped minimal profile on each platform. qemu's
    /// are the ones the profile gave before platforms supplied a console, in the same order.
    @Test(arguments: [
        (Profile.Platform.qemu, "console=ttyS0 panic=-1 slipway.platform=qemu"),
        (.aws, "console=ttyS0,115200n8 console=ttyS0 panic=-1 slipway.platform=aws"),
        (.gce, "console=ttyS0,115200n8 console=ttyS0 panic=-1 slipway.platform=gce"),
        (.azure, "console=ttyS0,115200n8 earlyprintk=ttyS0 console=ttyS0 panic=-1 slipway.platform=azure"),
        (.openstack, "console=tty0 console=ttyS0,115200n8 console=ttyS0 panic=-1 slipway.platform=openstack"),
        (.digitalocean, "console=ttyS0 panic=-1 slipway.platform=digitalocean"),
        (.metal, "console=ttyS0,115200n8 console=tty0 console=ttyS0 panic=-1 slipway.platform=metal"),
        (.auto, "console=ttyS0 panic=-1"),
    ])
    func eachPlatformsArguments(_ platform: Profile.Platform, _ expected: String) throws {
        var profile = try Profile.load(path: Self.minimal())
        #expect(profile.firstboot.platform.value == .qemu)
        profile.firstboot.platform.value = platform
        let version = profile.version.value
        #expect(
            PlatformArguments.extra(profile: profile)
                == ["slipway.slot=a", "slipway.version=\(version)"] + expected.split(separator: " ").map(String.init)
                + ["SWIFT_DETERMINISTIC_HASHING=1"])
    }

    /// `slipway build --platform aws`: slot A's entry on the ESP, the update payload's options and the
    /// manifest name aws; a second build of the same inputs is byte-identical.
    @Test func awsBuildWritesItsConsoleIntoTheEntryAndThePayload() throws {
        let scratch = try TemporaryDirectory("platform-aws")
        let slipway = try Fixtures.slipwayExecutable()
        let keys = try runTool([slipway, "keys", "generate", scratch.file("keys")])
        #expect(keys.status == 0, "\(keys.stderr)")
        func build(_ output: String) throws -> String {
            let result = try runTool([
                slipway, "build", Self.minimal(), "--platform", "aws", "--output", scratch.file(output), "--cache",
                BuildPipelineTests.cache, "--signing-key", scratch.file("keys/update.key"),
                "--source-date-epoch", "1700000000", "--quiet",
            ])
            #expect(result.status == 0, "\(result.stderr)")
            return scratch.file(output)
        }
        let first = try build("one")
        let image = first + "/minimal.img"

        let esp = try Self.espOffset(image)
        let entry = try runTool(["mtype", "-i", "\(image)@@\(esp)", "::/loader/entries/slipway-a+3.conf"])
        #expect(entry.status == 0, "\(entry.stderr)")
        let options = try #require(entry.stdout.split(separator: "\n").first { $0.hasPrefix("options ") })
        let version = try #require(try Profile.load(path: Self.minimal()).version.value as String?)
        #expect(
            options.hasSuffix(
                " slipway.slot=a slipway.version=\(version) console=ttyS0,115200n8 console=ttyS0 panic=-1 "
                    + "slipway.platform=aws SWIFT_DETERMINISTIC_HASHING=1"), "\(options)")
        #expect(!options.contains("slipway.platform=qemu"))

        // The payload carries the command line for the slot it installs: the same platform.
        let payload = try Data(contentsOf: URL(fileURLWithPath: first + "/minimal.update"))
        let text = String(decoding: payload.prefix(64 << 10), as: UTF8.self)
        let payloadOptions = try #require(text.split(separator: "\n").first { $0.hasPrefix("options ") })
        #expect(payloadOptions.contains(" console=ttyS0,115200n8 console=ttyS0 panic=-1 slipway.platform=aws "))

        let manifest = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: first + "/minimal.manifest.json")))
        #expect((manifest as? [String: Any])?["platform"] as? String == "aws")

        let second = try build("two")
        for file in ["minimal.img", "minimal.update", "minimal.manifest.json"] {
            let compare = try runTool(["cmp", first + "/" + file, second + "/" + file])
            #expect(compare.status == 0, "\(file): \(compare.stdout)")
        }
    }

    @Test func anUnknownPlatformStopsTheBuildAndSuggestsTheNearest() throws {
        let scratch = try TemporaryDirectory("platform-unknown")
        var request = BuildRequest(profilePath: Self.minimal(), outputDirectory: scratch.file("out"))
        request.platform = "azrue"
        let error = try #require(throws: BuildError.self) { try Builder(request).build() }
        let names = "qemu, aws, gce, azure, openstack, digitalocean, metal, auto"
        #expect(
            "\(error)"
                == "--platform: choose the platform: \"azrue\": expected one of: \(names); did you mean \"azure\"?")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("out")))

        // The command line refuses it as a usage error (status 2) before anything runs.
        let result = try runTool([
            try Fixtures.slipwayExecutable(), "build", Self.minimal(), "--platform", "ec2", "--output",
            scratch.file("out"),
        ])
        #expect(result.status == 2)
        #expect(
            result.stderr.hasPrefix("slipway build: --platform ec2: expected one of: \(names)\n"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("out")))
    }

    /// The ESP's byte offset in `image`, from sfdisk.
    static func espOffset(_ image: String) throws -> Int {
        let table = try runTool(["sfdisk", "--json", image]).stdout
        let json = try JSONSerialization.jsonObject(with: Data(table.utf8)) as? [String: Any]
        let partitions = ((json?["partitiontable"] as? [String: Any])?["partitions"] as? [[String: Any]]) ?? []
        let esp = try #require(partitions.first { $0["name"] as? String == "ESP" })
        return try #require(esp["start"] as? Int) * 512
    }
}
