// `slipway firstboot`: the first-boot config tools. The same library code runs inside the image.
import ArgumentParser
import FirstBoot
import Foundation

struct FirstbootCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "firstboot",
        abstract: "Validate, apply and render first-boot configs (Ignition spec 3.0.0–3.5.0).",
        discussion: """
            Examples:
              slipway firstboot validate me.ign               # FILE:line:col: $.path: ...
              slipway firstboot apply me.ign --root ./rootfs  # into a directory
              slipway firstboot render me.yaml -o me.ign      # Butane YAML to Ignition

            Exit codes: 0 success, 1 invalid config or failed apply, 2 usage error.
            """,
        subcommands: [FirstbootValidate.self, FirstbootApply.self, FirstbootRender.self])
}

/// Reads a whole file (or standard input for "-") as bytes, with an error that names the file.
func readInput(_ path: String) throws -> [UInt8] {
    if path == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
    guard let data = FileManager.default.contents(atPath: path) else {
        throw ValidationError("cannot read \(path): no such file or not readable")
    }
    return Array(data)
}
