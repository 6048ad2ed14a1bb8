// The `slipway firstboot` commands as users run them: output format and exit codes.
import Foundation
import TestSupport
import Testing

@Suite struct FirstbootCommandTests {
    static var slipway: String { packageRoot().appendingPathComponent(".build/debug/slipway").path }

    static func run(_ arguments: [String]) throws -> CommandResult {
        #expect(FileManager.default.isExecutableFile(atPath: slipway), "build slipway first: swift build --build-tests")
        return try runTool([slipway, "firstboot"] + arguments)
    }

    @Test func validateListsEveryErrorAndExitsNonZero() throws {
        let config = try TemporaryFile(
            Array(
                #"{"ignition":{"version":"3.3.0"},"storage":{"files":[{"path":"a"},{"path":"/b","mode":-1}]},"x":1}"#
                    .utf8),
            name: "bad.ign")
        let result = try FirstbootCommandTests.run(["validate", config.path])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        let prefix = FirstbootValidateOutputTests.prefix
        #expect(lines.contains(prefix + "\(config.path):1:61: $.storage.files.0.path: path not absolute"))
        #expect(lines.contains(prefix + "\(config.path):1:86: $.storage.files.1.mode: illegal file mode"))
        #expect(lines.contains { $0.hasPrefix(prefix + "\(config.path):1:92: warning: $.x: unknown key") })
        #expect(lines.last == prefix + "\(config.path): invalid: 2 errors")
    }

    @Test func validatePassesWithWarnings() throws {
        let config = try TemporaryFile(
            Array(#"{"ignition":{"version":"3.0.0"},"kernelArguments":{}}"#.utf8), name: "ok.ign")
        let result = try FirstbootCommandTests.run(["validate", config.path])
        #expect(result.status == 0)
        #expect(result.stderr.contains("warning: $.kernelArguments: unknown key"))
    }

    @Test func applyNamesTheEntryAndTheReason() throws {
        let root = try TemporaryDirectory("cli-apply")
        let config = try TemporaryFile(
            Array(
                #"{"ignition":{"version":"3.3.0"},"storage":{"files":[{"path":"/etc/a","contents":{"source":"data:,a","verification":{"hash":"sha512-\#(String(repeating: "0", count: 128))"}}}]}}"#
                    .utf8),
            name: "hash.ign")
        let failed = try FirstbootCommandTests.run(["apply", config.path, "--root", root.path])
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("verify $.storage.files.0 (/etc/a): data:,a: sha512 is"))
        #expect(failed.stderr.contains("nothing was written"))
        #expect(!FileManager.default.fileExists(atPath: root.file("etc/a")))

        let good = try TemporaryFile(
            Array(
                #"{"ignition":{"version":"3.3.0"},"storage":{"files":[{"path":"/etc/a","mode":384,"contents":{"source":"data:,a"}}]}}"#
                    .utf8),
            name: "good.ign")
        let applied = try FirstbootCommandTests.run(["apply", good.path, "--root", root.path])
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(try String(contentsOfFile: root.file("etc/a"), encoding: .utf8) == "a")
    }

    @Test func renderWritesValidJSON() throws {
        let yaml = try TemporaryFile(
            Array(
                "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /etc/x\n      contents: {inline: hi}\n"
                    .utf8), name: "me.yaml")
        let output = yaml.directory.file("me.ign")
        let result = try FirstbootCommandTests.run(["render", yaml.path, "-o", output])
        #expect(result.status == 0, "\(result.stderr)")
        let validated = try FirstbootCommandTests.run(["validate", output])
        #expect(validated.status == 0)
        let usage = try FirstbootCommandTests.run(["apply", output])
        #expect(usage.status == 64 || usage.status == 2)
    }
}
