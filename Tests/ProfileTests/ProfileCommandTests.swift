import Foundation
import TestSupport
import Testing

/// `slipway profile validate` and `show`, run as a user runs them.
@Suite struct ProfileCommandTests {
    /// The slipway executable built beside this test bundle.
    static var slipway: String {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [beside, packageRoot().appendingPathComponent(".build/debug")].map {
            $0.appendingPathComponent("slipway").path
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[1]
    }

    @Test func validateListsEveryProblemAndFails() throws {
        let fixture = try ProfileFixture()
        let good = try fixture.write("good.yaml", minimalProfile)
        let bad = try fixture.write("bad.yaml", minimalProfile + "kernal: {}\ndisk: {esp: 12X}\n")
        let result = try runTool([Self.slipway, "profile", "validate", good, bad])
        #expect(result.status == 1)
        #expect(result.stdout.hasPrefix("\(good): valid (digest "))
        #expect(
            result.stderr == """
                slipway profile validate: \(bad):5:1: kernal: unknown key; did you mean "kernel"?
                slipway profile validate: \(bad):6:13: disk.esp "12X": expected a size like 512MiB or 2GiB
                slipway profile validate: \(bad): 2 problems

                """)
    }

    @Test func validateJSON() throws {
        let fixture = try ProfileFixture()
        let bad = try fixture.write("bad.yaml", minimalProfile + "disk: {esp: 12X}\n")
        let result = try runTool([Self.slipway, "profile", "validate", "--json", bad])
        #expect(result.status == 1)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(object?["valid"] as? Bool == false)
        let profile = (object?["profiles"] as? [[String: Any]])?.first
        let problem = (profile?["problems"] as? [[String: Any]])?.first
        #expect(problem?["line"] as? Int == 5)
        #expect(problem?["column"] as? Int == 13)
        #expect(problem?["key"] as? String == "disk.esp")
        #expect(problem?["value"] as? String == "12X")
        #expect(problem?["message"] as? String == "expected a size like 512MiB or 2GiB")
    }

    @Test func showPrintsTheCanonicalFormAndDigest() throws {
        let profile = packageRoot().appendingPathComponent("profiles/minimal.yaml").path
        let yaml = try runTool([Self.slipway, "profile", "show", profile])
        #expect(yaml.status == 0, "\(yaml.stderr)")
        #expect(yaml.stdout.hasPrefix("name: minimal\n"))
        let digest = try runTool([Self.slipway, "profile", "show", "--digest", profile])
        #expect(digest.stdout.trimmingCharacters(in: .newlines).count == 64)
        // The digest is the SHA-256 of exactly what `show` prints: check with coreutils.
        let sha = try runTool(["sha256sum"], input: Data(yaml.stdout.utf8))
        #expect(sha.stdout.hasPrefix(digest.stdout.trimmingCharacters(in: .newlines) + " "))
        let json = try runTool([Self.slipway, "profile", "show", "--json", profile])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["init"] as? String == "/sbin/init")
    }

    @Test func showRejectsConflictingFlags() throws {
        let profile = packageRoot().appendingPathComponent("profiles/minimal.yaml").path
        let result = try runTool([Self.slipway, "profile", "show", "--json", "--digest", profile])
        #expect(result.status == 64 || result.status == 2)
        #expect(result.stderr.contains("--json and --digest cannot be used together"))
    }
}
