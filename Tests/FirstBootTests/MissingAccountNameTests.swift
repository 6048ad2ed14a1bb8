// A user or group without a name: Ignition's validator accepts the config and its files stage then
// fails (useradd and groupadd refuse the empty name), after the entries before it were written.
// slipway refuses it in validation, so `slipway firstboot validate` says so and nothing is written.
import Foundation
import TestSupport
import Testing

@testable import FirstBoot

@Suite struct MissingAccountNameTests {
    static let nameless =
        #"{"ignition":{"version":"3.3.0"},"passwd":{"users":[{"sshAuthorizedKeys":["ssh-ed25519 AAAA k"]}]}}"#

    static func errors(_ text: String) -> [String] {
        ConfigParser.parse(Array(text.utf8)).errors.map { "\($0.path): \($0.message)" }
    }

    @Test func theReferenceValidatesItAndFailsInTheFilesStage() throws {
        let bytes = Array(Self.nameless.utf8)
        let verdict = try Reference.validate(bytes)
        #expect(verdict.valid && verdict.errorPaths.isEmpty, "\(verdict.output)")
        let scratch = try TemporaryDirectory("nameless-reference")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: scratch.path)
        let root = scratch.file("root")
        try Corpus.makeRoot(root, setupFor: "fail-user-without-name")
        let applied = try Reference.apply(bytes, root: root)
        #expect(!applied.succeeded)
        #expect(applied.log.contains("files: ensureUsers"), "\(applied.log)")
        #expect(applied.log.contains(#"useradd: invalid user name ''"#), "\(applied.log)")
    }

    @Test(arguments: [
        (#"{"uid":1500}"#, #"$.passwd.users.0.name: user has no name; every user needs one, e.g. "name": "core""#),
        (#"{"name":null}"#, #"$.passwd.users.0.name: user has no name; every user needs one, e.g. "name": "core""#),
        (#"{"name":""}"#, "$.passwd.users.0.name: user name is empty; user names are 1 to 32 bytes"),
        (
            #"{"shouldExist":false}"#,
            #"$.passwd.users.0.name: user has no name; every user needs one, e.g. "name": "core""#
        ),
    ])
    func aUserWithoutANameIsAnErrorAtItsName(_ user: String, _ error: String) {
        let errors = Self.errors(#"{"ignition":{"version":"3.3.0"},"passwd":{"users":[\#(user)]}}"#)
        #expect(errors.count == 1 && errors.first?.hasPrefix(error) == true, "\(errors)")
    }

    @Test func aGroupWithoutANameIsAnErrorAtItsName() {
        let errors = Self.errors(#"{"ignition":{"version":"3.3.0"},"passwd":{"groups":[{"gid":1234}]}}"#)
        #expect(errors == [#"$.passwd.groups.0.name: group has no name; every group needs one, e.g. "name": "wheel""#])
    }

    @Test func theErrorPointsAtTheEntryOrItsNull() {
        let report = ConfigParser.parse(
            Array(#"{"ignition":{"version":"3.3.0"},"passwd":{"users":[{"uid":1},{"name":null}]}}"#.utf8))
        // Two nameless users also share their (empty) name, which Ignition reports as a duplicate.
        #expect(
            report.errors.map { "\($0.position?.description ?? "-") \($0.path)" } == [
                "1:52 $.passwd.users.0.name", "1:62 $.passwd.users.1", "1:70 $.passwd.users.1.name",
            ])
    }

    @Test func validateSaysSoAndApplyWritesNothing() throws {
        let config = try TemporaryFile(Array(Self.nameless.utf8), name: "nameless.ign")
        let validated = try FirstbootCommandTests.run(["validate", config.path])
        #expect(validated.status == 1)
        #expect(validated.stderr.contains("\(config.path):1:52: $.passwd.users.0.name: user has no name"))
        let scratch = try TemporaryDirectory("nameless-apply")
        let root = try ApplyRefusalTests.makeRoot(scratch)
        let before = try TreeSnapshot(root)
        let applied = try FirstbootCommandTests.run(["apply", config.path, "--root", root])
        #expect(applied.status == 1)
        #expect(applied.stderr.contains("invalid, nothing applied"))
        // A config built in code, which no parser saw, is refused by apply's own validation.
        var built = Config()
        built.ignition.version = "3.3.0"
        built.passwd.users = [PasswdUser(name: "")]
        built.passwd.users[0].sshAuthorizedKeys = ["ssh-ed25519 AAAA k"]
        let error = try #require(throws: FirstBootError.self) { try ConfigApplier.apply(built, root: root) }
        #expect(error.diagnostics.map(\.message).first?.hasPrefix("user name is empty") == true, "\(error)")
        #expect(try TreeSnapshot(root).differences(to: before) == [])
    }
}
