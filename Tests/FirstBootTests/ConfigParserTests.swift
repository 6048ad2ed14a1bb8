// Decoding and validation findings: exact paths, positions and messages.
import FirstBoot
import Testing

@Suite struct ConfigParserTests {
    static func parse(_ text: String) -> ConfigReport { ConfigParser.parse(Array(text.utf8)) }

    @Test func findingsCarryPathLineAndColumn() {
        let report = ConfigParserTests.parse(
            """
            {
              "ignition": {"version": "3.3.0"},
              "storage": {
                "files": [{"path": "relative", "mode": 4095, "colour": "red"}]
              }
            }
            """)
        #expect(!report.isValid)
        #expect(
            report.diagnostics.map(\.description) == [
                "4:24: $.storage.files.0.path: path not absolute",
                "4:44: warning: $.storage.files.0.mode: setuid/setgid/sticky bits are not supported in spec versions older than 3.4.0",
                "4:50: warning: $.storage.files.0.colour: unknown key \"colour\": spec 3.3.0 does not define it, so it is ignored",
            ])
        #expect(report.errors[0].formatted(file: "me.ign") == "me.ign:4:24: $.storage.files.0.path: path not absolute")
    }

    @Test func typeErrorsAreAllReported() {
        let report = ConfigParserTests.parse(
            #"{"ignition":{"version":"3.3.0"},"storage":{"files":[{"path":1,"mode":1.5,"overwrite":"yes"}]},"systemd":[]}"#
        )
        #expect(
            report.errors.map { "\($0.path): \($0.message)" } == [
                "$.storage.files.0.path: expected a string, found number 1",
                "$.storage.files.0.mode: expected an integer, found number 1.5",
                "$.storage.files.0.overwrite: expected a boolean, found string",
                "$.systemd: expected an object, found array",
            ])
    }

    @Test(arguments: [
        (#"{"ignition":{}}"#, "$.ignition.version", "invalid config version (couldn't parse)"),
        (#"{"ignition":{"version":"2.3.0"}}"#, "$.ignition.version", "unsupported config version \"2.3.0\""),
        (#"{"ignition":{"version":"3.4.0-experimental"}}"#, "$.ignition.version", "unsupported config version"),
        (#"{"ignition":{"version":3}}"#, "$.ignition.version", "invalid config version"),
        ("[1]", "$", "expected a JSON object, found array"),
        (#"{"ignition":{"version":"3.3.0"}"#, "$", "invalid JSON: unexpected end of JSON input"),
        ("", "$", "not a config (empty)"),
    ])
    func unusableDocuments(_ text: String, _ path: String, _ messagePrefix: String) {
        let report = ConfigParserTests.parse(text)
        #expect(report.config == nil)
        #expect(report.errors.count == 1)
        #expect(report.errors.first?.path.description == path)
        #expect(report.errors.first?.message.hasPrefix(messagePrefix) == true)
    }

    @Test func fieldsOfLaterVersionsAreUnknownKeys() {
        let report = ConfigParserTests.parse(
            #"{"ignition":{"version":"3.1.0"},"kernelArguments":{"shouldExist":["a"]},"passwd":{"users":[{"name":"u","shouldExist":false}]}}"#
        )
        #expect(report.isValid)
        #expect(Set(report.warnings.map(\.path.description)) == ["$.kernelArguments", "$.passwd.users.0.shouldExist"])
        #expect(report.config?.passwd.users.first?.shouldExist == nil)
        #expect(report.config?.kernelArguments.shouldExist == [])
    }

    @Test func keysMatchCaseInsensitivelyWithAWarningAndTheLastOneWins() {
        let report = ConfigParserTests.parse(
            #"{"ignition":{"Version":"3.3.0"},"storage":{"files":[{"path":"/a","path":"/b"}]}}"#)
        #expect(report.isValid)
        #expect(report.config?.storage.files.first?.path == "/b")
        #expect(report.warnings.count == 2)
        #expect(report.warnings[0].message.contains("keys are case-sensitive, write \"version\""))
        #expect(report.warnings[1].message.contains("repeated"))
    }

    @Test func nullMeansUnset() {
        let report = ConfigParserTests.parse(
            #"{"ignition":{"version":"3.3.0"},"storage":{"files":[{"path":"/a","mode":null,"contents":null}]},"systemd":null}"#
        )
        #expect(report.isValid)
        #expect(report.config?.storage.files.first?.mode == nil)
    }

    @Test func specificFieldsOfTheNewestVersions() {
        let luks =
            #"{"name":"v","device":"/dev/vdb","cex":{"enabled":true},"discard":true,"clevis":{"tang":[{"url":"http://t","thumbprint":"x","advertisement":"{}"}]}}"#
        // First boot refuses LUKS (one error at the entry); the fields still decode and validate.
        let unsupported = [StorageSupport.luksProblem]
        let v35 = ConfigParserTests.parse(#"{"ignition":{"version":"3.5.0"},"storage":{"luks":[\#(luks)]}}"#)
        #expect(v35.errors.map(\.message) == unsupported && v35.warnings.isEmpty)
        #expect(v35.config?.storage.luks.first?.cex.enabled == true)
        let v34 = ConfigParserTests.parse(#"{"ignition":{"version":"3.4.0"},"storage":{"luks":[\#(luks)]}}"#)
        #expect(v34.errors.map(\.message) == unsupported)
        #expect(v34.warnings.map(\.path.description) == ["$.storage.luks.0.cex"])
        let v33 = ConfigParserTests.parse(#"{"ignition":{"version":"3.3.0"},"storage":{"luks":[\#(luks)]}}"#)
        #expect(
            Set(v33.warnings.map(\.path.description)) == [
                "$.storage.luks.0.cex", "$.storage.luks.0.discard", "$.storage.luks.0.clevis.tang.0.advertisement",
            ])
        let badAdvertisement = ConfigParserTests.parse(
            #"{"ignition":{"version":"3.4.0"},"storage":{"luks":[{"name":"v","device":"/dev/vdb","clevis":{"tang":[{"url":"http://t","thumbprint":"x","advertisement":"{"}]}}]}}"#
        )
        #expect(badAdvertisement.errors.map(\.message) == unsupported + ["advertisement is not valid JSON"])
    }

    @Test func everyVersionDecodes() {
        for version in SpecVersion.allCases {
            let report = ConfigParserTests.parse(#"{"ignition":{"version":"\#(version)"}}"#)
            #expect(report.isValid && report.config?.version == version)
        }
    }
}
