import Foundation
import TestSupport
import Testing

/// Every command reports errors the same way: each line on standard error starts with
/// `slipway COMMAND: `, ArgumentParser's usage errors included, with the documented exit status.
@Suite struct ErrorPrefixTests {
    @Test(arguments: [
        (["build"], "slipway build: missing expected argument '<profile>'", Int32(2)),
        (
            ["build", "--frmat", "raw", "p.yaml"], "slipway build: unknown option '--frmat'. Did you mean '--format'?",
            2
        ),
        (["build", "missing.yaml"], "slipway build: missing.yaml: no such file (looked for ", 1),
        (["inspect", "missing.img"], "slipway inspect: missing.img: inspect: No such file or directory", 1),
        (["profile", "show", "missing.yaml"], "slipway profile show: missing.yaml: no such file (looked for ", 1),
        (["profile", "validate"], "slipway profile validate: missing expected argument '<files> ...'", 2),
        (["update", "apply", "missing.img", "missing.update"], "slipway update apply: ", 1),
        (
            ["keys", "generate", "a-file"],
            "slipway keys generate: a-file: is a file, not a directory; name a directory", 1
        ),
        (["run", "--cpus", "0", "a.img"], "slipway run: --cpus 0: use 1 to 255", 2),
        (["firstboot", "render", "missing.bu"], "slipway firstboot render: cannot read missing.bu", 2),
        (["--bogus"], "slipway: unknown option '--bogus'", 2),
    ])
    func errorsStartWithTheCommand(arguments: [String], start: String, status: Int32) throws {
        let directory = try TemporaryDirectory()
        try Data().write(to: URL(fileURLWithPath: directory.file("a-file")))
        let result = try slipway(arguments, in: directory.path)
        #expect(result.status == status, "\(result.stderr)")
        #expect(result.stderr.hasPrefix(start), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        // Only the usage that follows a usage error goes without the prefix.
        let lines = result.stderr.split(separator: "\n")
        let prefixed = lines.prefix { !$0.hasPrefix("Usage: ") && !$0.hasPrefix("Help: ") }
        #expect(prefixed.allSatisfy { $0.hasPrefix("slipway") }, "\(result.stderr)")
        #expect(!result.stderr.contains("Error: ") && !result.stderr.contains("NSCocoaErrorDomain"))
    }

    /// A usage error found while the command runs shows that command's usage, not the root's.
    @Test func theUsageIsTheCommands() throws {
        let result = try slipway(["firstboot", "render", "/nonexistent/me.bu"])
        #expect(result.status == 2)
        #expect(
            result.stderr.split(separator: "\n").map(String.init) == [
                "slipway firstboot render: cannot read /nonexistent/me.bu: no such file or not readable",
                "Usage: slipway firstboot render <file> [--output <output>] [--files-dir <files-dir>] [--strict]",
                "  See 'slipway firstboot render --help' for more information.",
            ])
    }

    @Test(arguments: [
        (["biuld", "profiles/minimal.yaml"], "slipway: \"biuld\" is not a slipway command; did you mean \"build\"?"),
        (["inspet"], "slipway: \"inspet\" is not a slipway command; did you mean \"inspect\"?"),
        (
            ["profile", "valdate", "x.yaml"],
            "slipway profile: \"valdate\" is not a slipway profile command; did you mean \"validate\"?"
        ),
        (
            ["firstboot", "rendr"],
            "slipway firstboot: \"rendr\" is not a slipway firstboot command; did you mean \"render\"?"
        ),
        (
            ["frobnicate"],
            "slipway: \"frobnicate\" is not a slipway command; the commands are build, run, inspect, update, keys, "
                + "profile, firstboot"
        ),
    ])
    func aMistypedCommandGetsASuggestion(arguments: [String], message: String) throws {
        let result = try slipway(arguments)
        #expect(result.status == 2)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.first == message)
        #expect(lines.dropFirst().first?.hasPrefix("Usage: slipway ") == true, "\(result.stderr)")
    }

    /// A profile's problems are one line each, each with the prefix, then the count.
    @Test func profileProblemsAreLinesOfTheCommand() throws {
        let directory = try TemporaryDirectory()
        try Data((oneFileProfile + "kernal: {}\n").utf8).write(to: URL(fileURLWithPath: directory.file("b.yaml")))
        for (command, summary) in [(["profile", "validate"], true), (["build", "--rootfs-only"], false)] {
            let result = try slipway(command + ["b.yaml"], in: directory.path)
            #expect(result.status == 1)
            let name = "slipway " + command[0] + (command[0] == "profile" ? " validate" : "")
            var expected = ["\(name): b.yaml:6:1: kernal: unknown key; did you mean \"kernel\"?"]
            if summary { expected.append("\(name): b.yaml: 1 problem") }
            #expect(result.stderr.split(separator: "\n").map(String.init) == expected)
        }
    }
}
