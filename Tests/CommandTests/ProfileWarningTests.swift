import Foundation
import TestSupport
import Testing

/// `profile validate` warns about a profile whose declared layers leave out what the initrd needs:
/// the profile is valid (a base is), an image built from it alone is not bootable.
@Suite struct ProfileWarningTests {
    @Test func aRootWithoutInitOrMountPointsIsValidWithWarnings() throws {
        let directory = try TemporaryDirectory()
        try Data(oneFileProfile.utf8).write(to: URL(fileURLWithPath: directory.file("tiny.yaml")))
        let result = try slipway(["profile", "validate", "tiny.yaml"], in: directory.path)
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("tiny.yaml: valid (digest ") && result.stdout.hasSuffix("), 2 warnings\n"))
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(
            lines.first?.hasPrefix("slipway profile validate: tiny.yaml:1:1: warning: init \"/sbin/init\": ") == true)
        #expect(
            lines.last?.hasPrefix(
                "slipway profile validate: tiny.yaml:3:3: warning: root.layers: no layer provides /state, /var, "
                    + "/home, /dev, /proc, /sys or /run") == true)

        let json = try jsonObject(
            try slipway(["profile", "validate", "--json", "tiny.yaml"], in: directory.path).stdout)
        let profile = try #require((json["profiles"] as? [[String: Any]])?.first)
        #expect(profile["valid"] as? Bool == true)
        #expect((profile["warnings"] as? [[String: Any]])?.map { $0["key"] as? String } == ["init", "root.layers"])

        // The build of a bootable image refuses it, before fetching anything.
        let build = try slipway(["build", "tiny.yaml", "-o", "out", "--cache", "cache"], in: directory.path)
        #expect(build.status == 1)
        #expect(build.stderr.hasPrefix("slipway build: tiny.yaml:1:1: init \"/sbin/init\": no layer provides it"))
        #expect(!FileManager.default.fileExists(atPath: directory.file("cache")))
    }

    @Test func theShippedProfilesValidateWithoutWarningsButBase() throws {
        let profiles = packageRoot().appendingPathComponent("profiles")
        let result = try slipway(
            ["profile", "validate", "minimal.yaml", "docker-host.yaml", "ssh.yaml", "base.yaml"], in: profiles.path)
        #expect(result.status == 0, "\(result.stderr)")
        let warnings = result.stderr.split(separator: "\n")
        #expect(warnings.count == 1)
        #expect(warnings.first?.hasPrefix("slipway profile validate: base.yaml:") == true)
        #expect(warnings.first?.contains(": warning: init \"/sbin/init\": no layer provides it") == true)
    }
}
