// `slipway firstboot validate FILE`: the checks the image runs before applying a config.
import ArgumentParser
import FirstBoot

struct FirstbootValidate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a first-boot config; print every error and warning with its place.",
        discussion: """
            Errors are printed as FILE:line:col: $.path: message, warnings as
            FILE:line:col: warning: $.path: message. Unknown keys are warnings.

            Examples:
              slipway firstboot validate me.ign
              cat me.ign | slipway firstboot validate -

            Exit codes: 0 valid (warnings may be printed), 1 invalid, 2 usage error.
            """)

    @Argument(help: "The config file (Ignition JSON), or - for standard input.")
    var file: String

    func run() async throws {
        let report = ConfigParser.parse(try readInput(file))
        let name = file == "-" ? "<stdin>" : file
        for diagnostic in report.diagnostics {
            printError(diagnostic.formatted(file: name))
        }
        guard report.isValid else {
            let count = report.errors.count
            printError("\(name): invalid: \(count) error\(count == 1 ? "" : "s")")
            throw ExitCode.failure
        }
    }
}
