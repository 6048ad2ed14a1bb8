import Foundation
import Profile
import Testing

/// `update:`: signing keys as host paths checked at load time, `tries` bounded with a default,
/// the section in the canonical form, and `extends:` merging it like any other mapping.
@Suite struct UpdateSectionTests {
    /// Loading a profile does not parse key files; this is RFC 8410's example ed25519 public key all the same.
    static let key = """
        -----BEGIN PUBLIC KEY-----
        MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=
        -----END PUBLIC KEY-----

        """

    /// A fixture with `minimalProfile + yaml` in p.yaml and key files next to it.
    func fixture(_ yaml: String, keys: [String] = ["keys/update.pub"]) throws -> ProfileFixture {
        let fixture = try ProfileFixture()
        for key in keys { try fixture.write(key, Self.key) }
        try fixture.write("p.yaml", minimalProfile + yaml)
        return fixture
    }

    /// Problems with the fixture directory taken out of absolute paths.
    func problems(_ fixture: ProfileFixture, _ name: String = "p.yaml") -> [String] {
        fixture.problems(name).map { $0.replacingOccurrences(of: fixture.directory.path + "/", with: "") }
    }

    @Test func keysResolveAgainstTheProfileThatWritesThem() throws {
        let fixture = try ProfileFixture()
        try fixture.write("profiles/keys/update.pub", Self.key)
        try fixture.write("other.pub", Self.key)
        try fixture.write(
            "profiles/p.yaml",
            minimalProfile + "update:\n  keys: [keys/update.pub, ../other.pub]\n  tries: 5\n")
        let update = try #require(try fixture.load("profiles/p.yaml").update)
        #expect(update.keys.map(\.value.written) == ["keys/update.pub", "../other.pub"])
        #expect(
            update.keys.map(\.value.absolute) == [
                fixture.directory.file("profiles/keys/update.pub"), fixture.directory.file("other.pub"),
            ])
        #expect(update.keys.map(\.value.canonical) == ["keys/update.pub", "../other.pub"])
        #expect(update.keys.map(\.location.line) == [6, 6])
        #expect(update.keys.map(\.location.column) == [10, 27])
        #expect(update.tries.value == 5)
        #expect(update.tries.location.line == 7)
        #expect(update.location.line == 6)
    }

    @Test func triesDefaultsToThreeAtTheSection() throws {
        let fixture = try fixture("update:\n  keys:\n    - keys/update.pub\n")
        let update = try #require(try fixture.load("p.yaml").update)
        #expect(update.tries.value == 3)
        #expect(update.tries.location == update.location)
        #expect(update.location.line == 6)
        #expect(update.keys.count == 1)
    }

    @Test func noSectionNoUpdate() throws {
        let fixture = try fixture("")
        #expect(try fixture.load("p.yaml").update == nil)
    }

    @Test(arguments: [
        ("0", #"p.yaml:7:10: update.tries "0": expected a whole number from 1 to 10"#),
        ("11", #"p.yaml:7:10: update.tries "11": expected a whole number from 1 to 10"#),
        ("x", #"p.yaml:7:10: update.tries "x": expected a whole number from 1 to 10"#),
        ("-1", #"p.yaml:7:10: update.tries "-1": expected a whole number from 1 to 10"#),
        ("2.5", #"p.yaml:7:10: update.tries "2.5": expected a whole number from 1 to 10"#),
        ("[3]", "p.yaml:7:10: update.tries: expected a whole number from 1 to 10, found a list"),
    ])
    func triesOutOfRange(_ tries: String, _ expected: String) throws {
        let fixture = try fixture("update:\n  keys: [keys/update.pub]\n  tries: \(tries)\n")
        #expect(problems(fixture) == [expected])
    }

    @Test(arguments: ["1", "10", "\"7\""])
    func triesInRange(_ tries: String) throws {
        let fixture = try fixture("update:\n  keys: [keys/update.pub]\n  tries: \(tries)\n")
        let expected = Int(tries.filter(\.isNumber))
        #expect(try fixture.load("p.yaml").update?.tries.value == expected)
    }

    @Test func missingKeyFileIsReportedAtItsItem() throws {
        let fixture = try fixture("update:\n  keys: [keys/update.pub, keys/gone.pub]\n")
        #expect(
            problems(fixture) == [
                #"p.yaml:6:27: update.keys[1] "keys/gone.pub": no such file (looked for keys/gone.pub)"#
            ])
    }

    @Test func aDirectoryIsNoKey() throws {
        let fixture = try fixture("update:\n  keys: [keys]\n")
        #expect(
            problems(fixture) == [#"p.yaml:6:10: update.keys[0] "keys": expected a file, found a directory at keys"#])
    }

    @Test func aFIFOIsNoKey() throws {
        let fixture = try fixture("update:\n  keys: [key.fifo]\n")
        #expect(mkfifo(fixture.directory.file("key.fifo"), 0o600) == 0)
        #expect(
            problems(fixture) == [
                #"p.yaml:6:10: update.keys[0] "key.fifo": expected a regular file, found a FIFO at key.fifo"#
            ])
    }

    /// Root reads every file whatever its mode, so this runs only as another user.
    @Test(.disabled(if: getuid() == 0, "root can read a file of mode 0000"))
    func anUnreadableKeyIsReported() throws {
        let fixture = try fixture("update:\n  keys: [keys/update.pub]\n")
        try FileManager.default.setAttributes(
            [.posixPermissions: 0], ofItemAtPath: fixture.directory.file("keys/update.pub"))
        #expect(
            problems(fixture) == [
                #"p.yaml:6:10: update.keys[0] "keys/update.pub": cannot read the file at keys/update.pub (permission denied); make it readable by the user running slipway"#
            ])
    }

    @Test(arguments: [
        (
            "update:\n  keys: [keys/update.pub, keys/update.pub]\n",
            #"p.yaml:6:27: update.keys[1] "keys/update.pub": the same file as update.keys[0]; list each key once"#
        ),
        (
            "update:\n  keys:\n    - keys/update.pub\n    - ./keys/../keys/update.pub\n",
            #"p.yaml:8:7: update.keys[1] "./keys/../keys/update.pub": the same file as update.keys[0]; list each key once"#
        ),
    ])
    func aKeyListedTwiceInOneFile(_ yaml: String, _ expected: String) throws {
        let fixture = try fixture(yaml)
        #expect(problems(fixture) == [expected])
    }

    @Test(arguments: [
        ("update:\n  keys: []\n", #"p.yaml:6:9: update.keys: list at least one public key file"#),
        ("update:\n  tries: 2\n", #"p.yaml:6:3: update: missing required key "keys""#),
        ("update:\n  keys:\n", "p.yaml:6:3: update.keys: needs a value"),
        (
            "update:\n  keys: keys/update.pub\n",
            #"p.yaml:6:9: update.keys "keys/update.pub": expected a list, found a scalar"#
        ),
        (
            "update:\n  keys:\n    -\n    - keys/update.pub\n",
            "p.yaml:7:6: update.keys[0]: an item of this list is empty; remove it or give it a value"
        ),
        ("update: [keys/update.pub]\n", "p.yaml:5:9: update: expected a mapping, found a list"),
        (
            "update:\n  keys: [keys/update.pub]\n  tires: 3\n",
            #"p.yaml:7:3: update.tires: unknown key; did you mean "tries"?"#
        ),
        (
            "update:\n  keys: [keys/update.pub]\n  zzzzzzzz: 3\n",
            "p.yaml:7:3: update.zzzzzzzz: unknown key; expected one of: keys, tries"
        ),
        ("updates: {}\n", #"p.yaml:5:1: updates: unknown key; did you mean "update"?"#),
    ])
    func malformedSection(_ yaml: String, _ expected: String) throws {
        let fixture = try fixture(yaml)
        #expect(problems(fixture) == [expected])
    }

    @Test func aMisspelledKeysKeyIsSuggestedAndKeysStillRequired() throws {
        let fixture = try fixture("update:\n  key: [keys/update.pub]\n")
        #expect(
            problems(fixture) == [
                #"p.yaml:6:3: update.key: unknown key; did you mean "keys"?"#,
                #"p.yaml:6:3: update: missing required key "keys""#,
            ])
    }

    // MARK: Canonical form and digest

    @Test func canonicalFormListsKeysByCanonicalPathAndTries() throws {
        let fixture = try fixture("update:\n  keys: [./keys/update.pub]\n")
        let profile = try fixture.load("p.yaml")
        #expect(profile.canonicalYAML.hasSuffix("\nupdate:\n  keys:\n    - keys/update.pub\n  tries: 3\n"))
        #expect(
            profile.canonicalJSON.contains(
                "\"update\": {\n    \"keys\": [\n      \"keys/update.pub\"\n    ],\n    \"tries\": 3\n  }"))
        // The canonical form is a profile: saved next to the original it loads to the same one.
        try fixture.write("canonical.yaml", profile.canonicalYAML)
        let reloaded = try fixture.load("canonical.yaml")
        #expect(reloaded.update?.keys.map(\.value.absolute) == profile.update?.keys.map(\.value.absolute))
        #expect(reloaded.digest == profile.digest)
    }

    @Test func withoutTheSectionTheCanonicalFormHasNone() throws {
        let fixture = try fixture("")
        #expect(!(try fixture.load("p.yaml").canonicalYAML.contains("update")))
    }

    @Test(arguments: [
        ("", "update:\n  keys: [keys/update.pub]\n"),
        ("update:\n  keys: [keys/update.pub]\n", "update:\n  keys: [keys/update.pub]\n  tries: 4\n"),
        ("update:\n  keys: [keys/update.pub]\n", "update:\n  keys: [keys/other.pub]\n"),
        ("update:\n  keys: [keys/update.pub]\n", "update:\n  keys: [keys/update.pub, keys/other.pub]\n"),
        (
            "update:\n  keys: [keys/update.pub, keys/other.pub]\n",
            "update:\n  keys: [keys/other.pub, keys/update.pub]\n"
        ),
    ])
    func changingUpdateChangesTheDigest(_ before: String, _ after: String) throws {
        let fixture = try ProfileFixture()
        for key in ["keys/update.pub", "keys/other.pub"] { try fixture.write(key, Self.key) }
        try fixture.write("a.yaml", minimalProfile + before)
        try fixture.write("b.yaml", minimalProfile + after)
        let a = try fixture.load("a.yaml"), b = try fixture.load("b.yaml")
        #expect(a.digest != b.digest)
        #expect(a.canonicalYAML != b.canonicalYAML)
    }

    @Test func spellingOfTheSameSettingsKeepsTheDigest() throws {
        let fixture = try ProfileFixture()
        try fixture.write("keys/update.pub", Self.key)
        try fixture.write("a.yaml", minimalProfile + "update:\n  keys: [keys/update.pub]\n")
        try fixture.write(
            "b.yaml", minimalProfile + "# written differently\nupdate: {tries: \"3\", keys: [./keys//update.pub]}\n")
        #expect(try fixture.load("a.yaml").digest == fixture.load("b.yaml").digest)
    }

    // MARK: extends

    static let base = minimalProfile + "update:\n  keys: [keys/base.pub]\n  tries: 2\n"

    func extendsFixture(_ child: String) throws -> ProfileFixture {
        let fixture = try ProfileFixture()
        try fixture.write("base/keys/base.pub", Self.key)
        try fixture.write("keys/child.pub", Self.key)
        try fixture.write("base/base.yaml", Self.base)
        try fixture.write("child.yaml", "extends: base/base.yaml\n" + child)
        return fixture
    }

    @Test func anExtensionInheritsAndOverridesTries() throws {
        let fixture = try extendsFixture("update:\n  tries: 5\n")
        let update = try #require(try fixture.load("child.yaml").update)
        #expect(update.keys.map(\.value.absolute) == [fixture.directory.file("base/keys/base.pub")])
        #expect(update.keys.map(\.value.canonical) == ["base/keys/base.pub"])
        #expect(update.keys[0].location.file.hasSuffix("base/base.yaml"))
        #expect(update.tries.value == 5)
        #expect(update.tries.location.file.hasSuffix("child.yaml"))
    }

    @Test func keysAppendAcrossExtends() throws {
        let fixture = try extendsFixture("update:\n  keys: [keys/child.pub]\n")
        let update = try #require(try fixture.load("child.yaml").update)
        #expect(
            update.keys.map(\.value.absolute) == [
                fixture.directory.file("base/keys/base.pub"), fixture.directory.file("keys/child.pub"),
            ])
        #expect(update.tries.value == 2)
    }

    @Test func aKeyInBothBaseAndExtensionIsKeptOnce() throws {
        let fixture = try extendsFixture("update:\n  keys: [base/keys/base.pub, keys/child.pub]\n")
        let update = try #require(try fixture.load("child.yaml").update)
        #expect(update.keys.map(\.value.canonical) == ["base/keys/base.pub", "keys/child.pub"])
        #expect(update.keys[0].location.file.hasSuffix("base/base.yaml"))
    }

    @Test func replaceStartsTheKeysAfresh() throws {
        let fixture = try extendsFixture("update:\n  keys: !replace [keys/child.pub]\n")
        let update = try #require(try fixture.load("child.yaml").update)
        #expect(update.keys.map(\.value.canonical) == ["keys/child.pub"])
        #expect(update.tries.value == 2)
    }

    @Test func nullResetsTheSection() throws {
        let fixture = try extendsFixture("update: ~\n")
        let profile = try fixture.load("child.yaml")
        #expect(profile.update == nil)
        #expect(!profile.canonicalYAML.contains("update"))
    }

    @Test func nullTriesFallsBackToTheDefault() throws {
        let fixture = try extendsFixture("update:\n  tries:\n")
        #expect(try fixture.load("child.yaml").update?.tries.value == 3)
    }

    @Test func aBaseKeyThatIsMissingIsReportedInTheBase() throws {
        let fixture = try extendsFixture("")
        try FileManager.default.removeItem(atPath: fixture.directory.file("base/keys/base.pub"))
        #expect(
            problems(fixture, "child.yaml") == [
                #"base/base.yaml:6:10: update.keys[0] "keys/base.pub": no such file (looked for base/keys/base.pub)"#
            ])
    }
}
