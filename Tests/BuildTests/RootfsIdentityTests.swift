import Build
import Foundation
import TestSupport
import Testing

/// The root filesystem's UUID and hash seed: the same for the same inputs, different for others.
@Suite struct RootfsIdentityTests {
    /// Builds the root filesystem of a one-file profile whose file holds `content`; returns
    /// dumpe2fs's UUID and hash seed lines.
    private func identity(content: String) throws -> [String] {
        let dir = try TemporaryDirectory()
        let profile = dir.file("identity.yaml")
        let text = """
            name: identity
            root:
              layers:
                - files:
                    - { path: /etc/motd, content: "\(content)" }
            """
        try Data(text.utf8).write(to: URL(fileURLWithPath: profile))
        var request = BuildRequest(profilePath: profile, outputDirectory: dir.file("out"), sourceDateEpoch: 1)
        request.rootfsOnly = true
        let result = try Builder(request).build()
        let header = try runTool(["dumpe2fs", "-h", try #require(result.outputs["rootfs"])]).stdout
        return header.split(separator: "\n").map(String.init).filter {
            $0.hasPrefix("Filesystem UUID:") || $0.hasPrefix("Directory Hash Seed:")
        }
    }

    @Test func theUUIDFollowsTheContents() throws {
        let first = try identity(content: "one")
        #expect(first.count == 2)
        #expect(try identity(content: "one") == first, "a rebuild keeps the UUID")
        let other = try identity(content: "two")
        #expect(other.count == 2)
        #expect(other[0] != first[0], "other contents, another filesystem UUID")
        #expect(other[1] != first[1], "and another hash seed")
    }
}
