import Foundation
import TestSupport
import Testing

/// `slipway build` as a user runs it: output on standard output, --json, paths as typed.
@Suite struct BuildCommandTests {
    /// Runs `slipway ARGUMENTS` in `directory`.
    private func slipway(_ arguments: [String], in directory: String) throws -> CommandResult {
        try runTool(
            ["sh", "-c", "cd \"$1\" && shift && exec \"$@\"", "sh", directory, try Fixtures.slipwayExecutable()]
                + arguments)
    }

    private func writeProfile(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    private static let profile = """
        name: tiny
        root:
          layers:
            - files:
                - { path: /etc/motd, content: "hello" }
        """

    @Test func jsonReportsTheOutputsOrTheError() throws {
        let dir = try TemporaryDirectory()
        try writeProfile(Self.profile, to: dir.file("tiny.yaml"))
        let built = try slipway(["build", "tiny.yaml", "--rootfs-only", "--json", "-o", "out"], in: dir.path)
        #expect(built.status == 0, "\(built.stderr)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(built.stdout.utf8)) as? [String: Any])
        let outputs = try #require(result["outputs"] as? [String: String])
        #expect(outputs["rootfs"] == dir.file("out/tiny.rootfs.ext4"))

        try writeProfile(Self.profile + "\n    - tar: missing.tar\n", to: dir.file("broken.yaml"))
        let failed = try slipway(["build", "broken.yaml", "--json", "-o", "out"], in: dir.path)
        #expect(failed.status == 1)
        let failure = try #require(try JSONSerialization.jsonObject(with: Data(failed.stdout.utf8)) as? [String: Any])
        #expect(failure["profile"] as? String == "broken.yaml")
        let error = try #require(failure["error"] as? String)
        #expect(error.contains("broken.yaml:6:") && error.contains("missing.tar"), "\(error)")
        #expect(failed.stderr.contains(error), "the same message on standard error")
    }

    @Test func theManifestDoesNotDependOnHowThePathWasTyped() throws {
        let dir = try TemporaryDirectory()
        try writeProfile(Self.profile, to: dir.file("tiny.yaml"))
        for (path, output) in [("tiny.yaml", "one"), ("./tiny.yaml", "two"), (dir.file("tiny.yaml"), "three")] {
            let built = try slipway(["build", path, "--rootfs-only", "-q", "-o", output], in: dir.path)
            #expect(built.status == 0, "\(built.stderr)")
        }
        let first = try Data(contentsOf: URL(fileURLWithPath: dir.file("one/tiny.manifest.json")))
        #expect(String(decoding: first, as: UTF8.self).contains("\"path\" : \"tiny.yaml\""))
        for output in ["two", "three"] {
            #expect(try Data(contentsOf: URL(fileURLWithPath: dir.file("\(output)/tiny.manifest.json"))) == first)
        }
    }
}
