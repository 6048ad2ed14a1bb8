import Foundation
import TestSupport

/// Runs the built `slipway` in `directory` (the current one when nil).
func slipway(_ arguments: [String], in directory: String? = nil, environment: [String: String]? = nil) throws
    -> CommandResult
{
    let executable = try Fixtures.slipwayExecutable()
    guard let directory else { return try runTool([executable] + arguments, environment: environment) }
    return try runTool(
        ["sh", "-c", "cd \"$1\" && shift && exec \"$@\"", "sh", directory, executable] + arguments,
        environment: environment)
}

/// A profile of one declared file: valid, quick to build with --rootfs-only.
let oneFileProfile = """
    name: tiny
    root:
      layers:
        - files:
            - { path: /etc/motd, content: "hello" }

    """

/// The JSON object on standard output.
func jsonObject(_ text: String) throws -> [String: Any] {
    guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
        throw FixtureError("not a JSON object: \(text)")
    }
    return object
}
