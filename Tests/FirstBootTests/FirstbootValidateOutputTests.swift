// `slipway firstboot validate` as scripts and people read it: a verdict line for a valid config,
// `--json` for both verdicts, `-q` for errors only, and the exit codes that go with them.
import FirstBoot
import Foundation
import TestSupport
import Testing

@Suite struct FirstbootValidateOutputTests {
    static let valid = #"{"ignition":{"version":"3.3.0"},"passwd":{"users":[{"name":"core"}]}}"#
    static let warned = #"{"ignition":{"version":"3.0.0"},"kernelArguments":{}}"#
    static let invalid =
        #"{"ignition":{"version":"3.3.0"},"storage":{"files":[{"path":"a"}],"luks":[{"name":"v","device":"/dev/vdb"}]},"x":1}"#

    static func validate(_ text: String, _ options: [String] = []) throws -> (CommandResult, path: String) {
        let config = try TemporaryFile(Array(text.utf8), name: "me.ign")
        return (try FirstbootCommandTests.run(["validate"] + options + [config.path]), config.path)
    }

    static func lines(_ text: String) -> [String] { text.split(separator: "\n").map(String.init) }

    /// Every line on standard error starts with it, as with every slipway command.
    static let prefix = "slipway firstboot validate: "

    @Test func aValidConfigGetsOneLineSayingSo() throws {
        let (result, path) = try Self.validate(Self.valid)
        #expect(result.status == 0)
        #expect(result.stdout == "\(path): valid (spec 3.3.0, 0 warnings)\n")
        #expect(result.stderr == "")
    }

    @Test func warningsComeBeforeTheVerdictLine() throws {
        let (result, path) = try Self.validate(Self.warned)
        #expect(result.status == 0)
        #expect(result.stdout == "\(path): valid (spec 3.0.0, 1 warning)\n")
        #expect(Self.lines(result.stderr).count == 1)
        #expect(result.stderr.hasPrefix(Self.prefix + "\(path):1:33: warning: $.kernelArguments: unknown key"))
    }

    @Test func anInvalidConfigListsItsErrorsAndCountsThem() throws {
        let (result, path) = try Self.validate(Self.invalid)
        #expect(result.status == 1)
        #expect(result.stdout == "")
        let lines = Self.lines(result.stderr)
        #expect(lines.contains(Self.prefix + "\(path):1:61: $.storage.files.0.path: path not absolute"))
        #expect(
            lines.contains {
                $0.hasPrefix(Self.prefix + "\(path):1:75: $.storage.luks.0: LUKS volumes are not supported")
            })
        #expect(lines.contains { $0.contains("warning: $.x: unknown key") })
        #expect(lines.last == Self.prefix + "\(path): invalid: 2 errors")
    }

    @Test func quietPrintsTheErrorsOnly() throws {
        let (valid, _) = try Self.validate(Self.warned, ["-q"])
        #expect(valid.status == 0 && valid.stdout == "" && valid.stderr == "")
        let (invalid, path) = try Self.validate(Self.invalid, ["--quiet"])
        #expect(invalid.status == 1 && invalid.stdout == "")
        let lines = Self.lines(invalid.stderr)
        #expect(lines.count == 2, "\(lines)")
        #expect(lines.allSatisfy { $0.hasPrefix(Self.prefix + "\(path):1:") && !$0.contains("warning:") })
    }

    @Test func jsonGivesTheVerdictAndEveryProblem() throws {
        let (valid, path) = try Self.validate(Self.warned, ["--json"])
        #expect(valid.status == 0 && valid.stderr == "")
        let report = try #require(ConfigParserTests.jsonObject(Data(valid.stdout.utf8)))
        #expect(report["file"] as? String == path)
        #expect(report["valid"] as? Bool == true)
        #expect(report["version"] as? String == "3.0.0")
        #expect(report["errors"] as? Int == 0 && report["warnings"] as? Int == 1)
        let warning = try #require((report["problems"] as? [[String: Any]])?.first)
        #expect(warning["path"] as? String == "$.kernelArguments")
        #expect(warning["severity"] as? String == "warning")
        #expect(warning["line"] as? Int == 1 && warning["column"] as? Int == 33)

        let (invalid, _) = try Self.validate(Self.invalid, ["--json"])
        #expect(invalid.status == 1 && invalid.stderr == "")
        let failed = try #require(ConfigParserTests.jsonObject(Data(invalid.stdout.utf8)))
        #expect(failed["valid"] as? Bool == false && failed["errors"] as? Int == 2 && failed["warnings"] as? Int == 1)
        let problems = failed["problems"] as? [[String: Any]] ?? []
        #expect(
            problems.map { "\($0["severity"] ?? "") \($0["path"] ?? "")" } == [
                "error $.storage.files.0.path", "error $.storage.luks.0", "warning $.x",
            ])
        #expect(problems[1]["message"] as? String == StorageSupport.luksProblem)
    }

    @Test func jsonForTextThatIsNotAConfig() throws {
        let (result, _) = try Self.validate("not json", ["--json"])
        #expect(result.status == 1)
        let report = try #require(ConfigParserTests.jsonObject(Data(result.stdout.utf8)))
        #expect(report["valid"] as? Bool == false)
        #expect(report["version"] is NSNull)
        let problem = try #require((report["problems"] as? [[String: Any]])?.first)
        #expect(problem["path"] as? String == "$" && problem["severity"] as? String == "error")
        #expect((problem["message"] as? String)?.hasPrefix("invalid JSON") == true)
    }

    @Test func standardInputIsNamedSo() throws {
        let result = try runTool(
            [
                "sh", "-c", "printf '%s' \"$1\" | \"$2\" firstboot validate -", "sh", Self.valid,
                FirstbootCommandTests.slipway,
            ])
        #expect(result.status == 0)
        #expect(result.stdout == "<stdin>: valid (spec 3.3.0, 0 warnings)\n")
    }

    @Test func jsonAndQuietTogetherAreAUsageError() throws {
        let (result, _) = try Self.validate(Self.valid, ["--json", "-q"])
        #expect(result.status == 64 || result.status == 2)
        #expect(result.stderr.contains("--json and --quiet cannot be used together; choose one"))
        #expect(result.stdout == "")
    }
}
