// `slipway firstboot validate FILE`: the checks the image runs before applying a config.
import ArgumentParser
import FirstBoot

struct FirstbootValidate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a first-boot config; print every error and warning with its place.",
        discussion: """
            Errors are printed as slipway firstboot validate: FILE:line:col: $.path: message, warnings the same with warning: before the path, both on standard error, like every slipway command's problems. Unknown keys are warnings. A valid config gets one line on standard output: FILE: valid (spec 3.4.0, 0 warnings); an invalid one a count of its errors on standard error.

            The checks are the image's: besides Ignition's rules, values slipway refuses (see docs/firstboot.md, "Stricter than Ignition") and storage first boot cannot set up (storage.raid, storage.luks, formats other than ext4, vfat and swap) are errors.

            --json prints {"file", "valid", "version", "errors", "warnings", "problems": [{"path", "severity", "message", "line", "column"}]} on standard output, for valid and invalid configs alike (version is null and line and column are left out where unknown). --quiet prints the errors only: nothing for a valid config, warnings or not.

            Examples:
              slipway firstboot validate me.ign
              cat me.ign | slipway firstboot validate -
              slipway firstboot validate --json me.ign | jq '.problems[]'
              slipway firstboot validate -q me.ign && slipway run IMAGE --config me.ign

            Exit codes: 0 valid (warnings may be printed), 1 invalid, 2 usage error.
            """)

    @Argument(help: "The config file (Ignition JSON), or - for standard input.")
    var file: String

    @Flag(help: "Print the verdict and every problem as JSON on standard output.")
    var json = false

    @Flag(name: .shortAndLong, help: "Print nothing but the errors.")
    var quiet = false

    func validate() throws {
        if json && quiet { throw ValidationError("--json and --quiet cannot be used together; choose one") }
    }

    func run() async throws {
        let report = ConfigParser.parse(try readInput(file))
        let name = file == "-" ? "<stdin>" : file
        if json {
            print(Self.json(report, file: name).serialized(), terminator: "")
        } else {
            var problems = report.diagnostics.filter { $0.isError || !quiet }.map { $0.formatted(file: name) }
            if !report.isValid && !quiet {
                let count = report.errors.count
                problems.append("\(name): invalid: \(count) error\(count == 1 ? "" : "s")")
            }
            printPrefixed(problems.joined(separator: "\n"), command: Self.displayName)
            if report.isValid && !quiet { print("\(name): valid (\(Self.summary(report)))") }
        }
        if !report.isValid { throw ExitCode.failure }
    }

    /// "spec 3.4.0, 2 warnings".
    static func summary(_ report: ConfigReport) -> String {
        let count = report.warnings.count
        let version = report.config?.version.map { "spec \($0), " } ?? ""
        return "\(version)\(count) warning\(count == 1 ? "" : "s")"
    }

    /// The report as `--json` prints it.
    static func json(_ report: ConfigReport, file: String) -> JSONNode {
        let problems = report.diagnostics.map { diagnostic in
            JSONNode.object([
                ("path", .string(diagnostic.path.description)), ("severity", .string(diagnostic.severity.rawValue)),
                ("message", .string(diagnostic.message)), ("line", diagnostic.position.map { .int($0.line) }),
                ("column", diagnostic.position.map { .int($0.column) }),
            ])
        }
        return .object([
            ("file", .string(file)), ("valid", .bool(report.isValid)),
            ("version", report.config?.version.map { .string($0.description) } ?? JSONNode(.null)),
            ("errors", .int(report.errors.count)), ("warnings", .int(report.warnings.count)),
            ("problems", .array(problems)),
        ])
    }
}
