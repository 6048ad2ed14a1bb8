// Debian's Ignition (2.14) as the reference implementation. It knows spec 3.0.0–3.3.0 and
// 3.4.0-experimental, so 3.4.0 configs are handed to it under that version.
import Foundation
import TestSupport

enum Reference {
    static let ignition = "/usr/lib/dracut/modules.d/30ignition/ignition"

    /// The config text as the reference accepts it.
    static func adapted(_ bytes: [UInt8]) -> Data {
        Data(
            String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\"3.4.0\"", with: "\"3.4.0-experimental\"")
                .utf8)
    }

    struct Verdict {
        var valid: Bool
        /// Paths of errors that have one (decode errors have none).
        var errorPaths: Set<String>
        /// Paths of "Unused key" warnings.
        var unusedKeyPaths: Set<String>
        var output: String
    }

    /// Runs `ignition-validate` on the config.
    static func validate(_ bytes: [UInt8]) throws -> Verdict {
        let scratch = try TemporaryDirectory("reference-validate")
        let path = scratch.file("config.ign")
        try adapted(bytes).write(to: URL(fileURLWithPath: path))
        let result = try runTool(["ignition-validate", path])
        let output = result.stdout + result.stderr
        var errors: Set<String> = []
        var unused: Set<String> = []
        for line in output.split(separator: "\n").map(String.init) {
            guard
                let path = line.split(separator: " ").dropFirst(2).first.map({
                    String($0).trimmingCharacters(in: [","])
                }),
                path.hasPrefix("$")
            else { continue }
            if line.hasPrefix("error at ") { errors.insert(path) }
            if line.hasPrefix("warning at "), line.contains(": Unused key ") { unused.insert(path) }
        }
        return Verdict(valid: result.status == 0, errorPaths: errors, unusedKeyPaths: unused, output: output)
    }

    /// Runs the reference's fetch and files stages against `root`, then materializes its unit
    /// presets with `systemctl --root preset` so enablement can be compared. Returns whether the
    /// reference succeeded, and its log.
    static func apply(_ bytes: [UInt8], root: String) throws -> (succeeded: Bool, log: String) {
        let scratch = try TemporaryDirectory("reference-apply")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: scratch.path)
        try adapted(bytes).write(to: URL(fileURLWithPath: scratch.file("config.ign")))
        // The Debian build relabels for SELinux after writing; a no-op setfiles lets it finish.
        try FileManager.default.createDirectory(atPath: scratch.file("bin"), withIntermediateDirectories: true)
        try Data("#!/bin/sh\ncat >/dev/null\n".utf8).write(to: URL(fileURLWithPath: scratch.file("bin/setfiles")))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: scratch.file("bin/setfiles"))
        let path = scratch.file("bin") + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        var log = ""
        for stage in ["fetch", "files"] {
            let result = try runTool([
                "env", "-C", scratch.path, "PATH=\(path)", ignition, "-platform", "file", "-stage", stage, "-root",
                root,
                "-config-cache", scratch.file("cache.json"), "-state-file", scratch.file("state"), "-log-to-stdout",
            ])
            log += result.stdout + result.stderr
        }
        let presetPath = root + "/etc/systemd/system-preset/20-ignition.preset"
        if let presets = try? String(contentsOfFile: presetPath, encoding: .utf8) {
            let units = presets.split(separator: "\n").compactMap {
                $0.split(separator: " ").dropFirst().first.map(String.init)
            }
            try runTool(["systemctl", "--root=\(root)", "preset"] + units)
        }
        return (!log.contains("CRITICAL"), log)
    }
}
