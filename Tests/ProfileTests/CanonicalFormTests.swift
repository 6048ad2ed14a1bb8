import Foundation
import Profile
import Testing

/// The canonical form is stable, complete and independent of layout; its digest tracks values.
@Suite struct CanonicalFormTests {
    static let profile =
        minimalProfile + """
            description: "a: b # not a comment"
            kernel:
              cmdline: [console=ttyS0]
            users:
              core: {uid: 1000, gid: 1000, groups: [docker]}
            groups:
              docker: {gid: 999}
              core: {gid: 1000}

            """

    @Test func sameProfileSameDigest() throws {
        let fixture = try ProfileFixture()
        try fixture.write("p.yaml", Self.profile)
        let first = try fixture.load("p.yaml"), second = try fixture.load("p.yaml")
        #expect(first.canonicalYAML == second.canonicalYAML)
        #expect(first.digest == second.digest)
        #expect(first.digest.count == 64)
    }

    @Test func layoutCommentsAndKeyOrderDoNotChangeTheDigest() throws {
        let fixture = try ProfileFixture()
        try fixture.write("a.yaml", Self.profile)
        try fixture.write(
            "b.yaml",
            """
            # the same profile, written differently
            groups: {core: {gid: 1000}, docker: {gid: 999}}
            users:
              core:
                groups:
                  - docker
                gid: 1000
                uid: 1000
            kernel: {cmdline: ["console=ttyS0"]}
            description: 'a: b # not a comment'
            root: {layers: [{packages: [busybox-static]}]}
            name: t
            disk: {esp: 128MiB, state: 0.25GiB}

            """)
        #expect(try fixture.load("a.yaml").digest == fixture.load("b.yaml").digest)
    }

    @Test(arguments: [
        ("kernel:\n  cmdline: [console=ttyS0]\n", "kernel:\n  cmdline: [console=ttyS1]\n"),
        ("disk:\n  state: 256MiB\n", "disk:\n  state: 257MiB\n"),
        ("rescue-shell: false\n", "rescue-shell: true\n"),
        ("version: \"1\"\n", "version: \"2\"\n"),
    ])
    func changingAValueChangesTheDigest(_ before: String, _ after: String) throws {
        let fixture = try ProfileFixture()
        try fixture.write("a.yaml", minimalProfile + before)
        try fixture.write("b.yaml", minimalProfile + after)
        let a = try fixture.load("a.yaml"), b = try fixture.load("b.yaml")
        #expect(a.digest != b.digest)
        #expect(a.canonicalYAML != b.canonicalYAML)
    }

    @Test func defaultsAreWrittenOut() throws {
        let fixture = try ProfileFixture()
        try fixture.write("p.yaml", minimalProfile)
        let yaml = try fixture.load("p.yaml").canonicalYAML
        for line in [
            "version: \"0\"", "hostname: t", "  package: linux-image-cloud-amd64", "init: /sbin/init", "  esp: 128MiB",
            "  state: 256MiB", "  oem: none", "  format: raw", "  headroom: 10%", "  read-only: true",
            "  verity: false",
            "  platform: qemu",
            "  timeout: 300s",
        ] {
            #expect(yaml.contains("\n" + line + "\n"), "missing \(line)")
        }
    }

    /// Inline file contents of every shape survive the literal-block or quoted form exactly.
    @Test(arguments: [
        "one line", "two\nlines\n", "no final newline\nhere", "trailing blank lines\n\n\n", "  leading spaces\nx\n",
        "\nleading newline", "tab\tinside\n", "quotes \" and \\ backslash", "", "yes", "0644", "- dash", "#hash",
        "carriage\r\nreturn", "unicode é ✓\n", "key: value\n",
    ])
    func inlineContentRoundTrips(_ content: String) throws {
        let fixture = try ProfileFixture()
        try fixture.write(
            "p.yaml",
            "name: t\nroot:\n  layers:\n    - files:\n        - path: /etc/x\n          content: \(jsonQuoted(content))\n"
        )
        let profile = try fixture.load("p.yaml")
        try fixture.write("canonical.yaml", profile.canonicalYAML)
        let reloaded = try fixture.load("canonical.yaml")
        guard case .files(let files) = reloaded.root.layers.first?.source, let file = files.first else {
            Issue.record("the files layer did not survive")
            return
        }
        #expect(file.content.value == .text(content))
        #expect(reloaded.digest == profile.digest)
    }

    @Test func jsonFormIsValidAndOrdered() throws {
        let fixture = try ProfileFixture()
        try fixture.write("p.yaml", Self.profile)
        let json = try fixture.load("p.yaml").canonicalJSON
        #expect(json.hasPrefix("{\n  \"name\": \"t\",\n  \"description\": \"a: b # not a comment\",\n"))
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect((object?["disk"] as? [String: Any])?["esp"] as? String == "128MiB")
        #expect((object?["users"] as? [String: Any])?.keys.sorted() == ["core"])
    }
}

/// A double-quoted YAML (and JSON) string.
func jsonQuoted(_ text: String) -> String { CanonicalValue.string(text).json(pretty: false) }
