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
            Keys are Ignition's in snake_case. Resources may use inline: TEXT or local: FILE instead of \
            source; units and drop-ins may use contents_local; users may use ssh_authorized_keys_local. \
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
            var lines = error.diagnostics.map { $0.formatted(file: name) }
            if lines.isEmpty {
                lines = ["\(name):\(error.position.map { "\($0):" } ?? "") \(error.path): \(error.message)"]
            }
            printPrefixed(lines.joined(separator: "\n"), command: Self.displayName)
            throw ExitCode.failure
        }
        var lines = result.warnings.map { $0.formatted(file: name) }
        if strict && !result.warnings.isEmpty {
            lines.append("\(name): \(result.warnings.count) warning(s) and --strict")
        }
        printPrefixed(lines.joined(separator: "\n"), command: Self.displayName)
        if strict && !result.warnings.isEmpty { throw ExitCode.failure }
        if let output {
            try save(result.json, to: output)
        } else {
            FileHandle.standardOutput.write(Data(result.json.utf8))
        }
    }

    /// Writes beside `output` and renames into place, so a failed write leaves the old file; a
    /// failure names the file, the reason and the flag.
    private func save(_ json: String, to output: String) throws {
        let temporary = output + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        let bytes = Array(json.utf8)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        var failed = descriptor < 0
        if !failed {
            failed = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) } != bytes.count
            failed = close(descriptor) != 0 || failed
            failed = failed || rename(temporary, output) != 0
        }
        guard failed else { return }
        let reason = String(cString: strerror(errno))
        unlink(temporary)
        throw RenderOutputError(description: "\(output): cannot write it: \(reason); choose another file with --output")
    }
}

/// A rendered config that could not be written where --output says.
private struct RenderOutputError: Error, CustomStringConvertible {
    let description: String
}
