// `slipway firstboot render FILE.yaml`: Butane-style YAML to Ignition JSON.
import ArgumentParser
import Butane
import FirstBoot
import Foundation

struct FirstbootRender: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render a Butane-style YAML config (variant fcos or flatcar) to Ignition JSON.",
        discussion: """
            Keys are Ignition's in snake_case. Resources may use inline: TEXT or local: FILE instead of
            source; units and drop-ins may use contents_local; users may use ssh_authorized_keys_local.
            The result is validated; findings point at YAML lines.

            Examples:
              slipway firstboot render me.yaml > me.ign
              slipway firstboot render me.yaml --files-dir ./files -o me.ign

            Exit codes: 0 rendered, 1 invalid input, 2 usage error.
            """)

    @Argument(help: "The YAML file, or - for standard input.")
    var file: String

    @Option(name: [.short, .long], help: "Write the JSON here instead of standard output.")
    var output: String?

    @Option(name: [.customShort("d"), .long], help: "Directory that local: and *_local paths are relative to.")
    var filesDir: String?

    @Flag(name: .long, help: "Fail on warnings (unknown keys) too.")
    var strict = false

    func run() async throws {
        let name = file == "-" ? "<stdin>" : file
        let yaml = String(decoding: try readInput(file), as: UTF8.self)
        let result: ButaneResult
        do {
            result = try ButaneRenderer.render(yaml, filesDirectory: filesDir)
        } catch {
            if error.diagnostics.isEmpty {
                printError("\(name):\(error.position.map { "\($0):" } ?? "") \(error.path): \(error.message)")
            }
            for diagnostic in error.diagnostics { printError(diagnostic.formatted(file: name)) }
            throw ExitCode.failure
        }
        for warning in result.warnings { printError(warning.formatted(file: name)) }
        if strict && !result.warnings.isEmpty {
            printError("\(name): \(result.warnings.count) warning(s) and --strict")
            throw ExitCode.failure
        }
        if let output {
            let temporary = output + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
            try Data(result.json.utf8).write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, output) == 0 else { throw ValidationError("cannot write \(output)") }
        } else {
            FileHandle.standardOutput.write(Data(result.json.utf8))
        }
    }
}
