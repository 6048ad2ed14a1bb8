import Foundation
import TestSupport
import Testing

@testable import Commands

/// Commands with --json print a failure on standard output too: the error and its problems, each
/// with the place it is about.
@Suite struct FailureJSONTests {
    @Test func aBuildFailureHasStructuredProblems() throws {
        let directory = try TemporaryDirectory()
        try Data((oneFileProfile + "disk: {esp: 12X}\n").utf8).write(to: URL(fileURLWithPath: directory.file("b.yaml")))
        let result = try slipway(["build", "b.yaml", "--json", "-o", "out"], in: directory.path)
        #expect(result.status == 1)
        let object = try jsonObject(result.stdout)
        #expect(object["profile"] as? String == "b.yaml")
        #expect(object["error"] as? String == "b.yaml:6:13: disk.esp \"12X\": expected a size like 512MiB or 2GiB")
        let problems = try #require(object["problems"] as? [[String: Any]])
        #expect(problems.count == 1)
        #expect(problems.first?["file"] as? String == "b.yaml")
        #expect(problems.first?["line"] as? Int == 6)
        #expect(problems.first?["column"] as? Int == 13)
        #expect(problems.first?["key"] as? String == "disk.esp")
        #expect(problems.first?["value"] as? String == "12X")
        #expect(problems.first?["message"] as? String == "expected a size like 512MiB or 2GiB")
        #expect(result.stderr == "slipway build: b.yaml:6:13: disk.esp \"12X\": expected a size like 512MiB or 2GiB\n")
    }

    @Test(arguments: [
        (["inspect", "--json", "missing.img"], "image", "missing.img"),
        (["profile", "show", "--json", "missing.yaml"], "file", "missing.yaml"),
        (["build", "--json", "missing.yaml"], "profile", "missing.yaml"),
    ])
    func aFailureNamesWhatTheCommandWasGiven(arguments: [String], key: String, value: String) throws {
        let directory = try TemporaryDirectory()
        let result = try slipway(arguments, in: directory.path)
        #expect(result.status == 1)
        let object = try jsonObject(result.stdout)
        #expect(object[key] as? String == value)
        let problem = try #require((object["problems"] as? [[String: Any]])?.first)
        #expect(problem["file"] as? String == value)
        #expect((problem["message"] as? String)?.isEmpty == false)
        #expect(result.stderr.hasPrefix("slipway \(arguments[0])"))
    }

    /// A usage error still answers a script that asked for JSON, and exits 2.
    @Test func aUsageErrorIsJSONToo() throws {
        let result = try slipway(["build", "--json"])
        #expect(result.status == 2)
        let object = try jsonObject(result.stdout)
        #expect(object["error"] as? String == "missing expected argument '<profile>'")
        let problems = try #require(object["problems"] as? [[String: Any]])
        #expect(problems.map { $0["message"] as? String } == ["missing expected argument '<profile>'"])
    }

    @Test(arguments: [
        ("--format", FailureProblem(key: "--format", message: "m")),
        ("p.yaml:12:7", FailureProblem(file: "p.yaml", line: 12, column: 7, message: "m")),
        ("/a:b/p.yaml:3:1", FailureProblem(file: "/a:b/p.yaml", line: 3, column: 1, message: "m")),
        ("out/x.img", FailureProblem(file: "out/x.img", message: "m")),
    ])
    func aPathIsPlaced(path: String, problem: FailureProblem) {
        #expect(FailureProblem.placed(path, message: "m") == problem)
    }

    /// Foundation's file errors name the path and the reason, not "Error Domain=NSCocoaErrorDomain".
    @Test(arguments: [
        (CocoaError.Code.fileWriteFileExists, "out: a file with that name is in the way"),
        (.fileWriteNoPermission, "out: permission denied"),
        (.fileWriteVolumeReadOnly, "out: read-only file system"),
        (.fileWriteOutOfSpace, "out: no space left on the device"),
    ])
    func foundationErrorsAreTold(code: CocoaError.Code, text: String) {
        let error = CocoaError(code, userInfo: [NSFilePathErrorKey: "out"])
        #expect(FileErrorText.describe(error) == text)
        #expect(FailureProblem.list(error) == [FailureProblem(file: "out", message: String(text.dropFirst(5)))])
    }
}
