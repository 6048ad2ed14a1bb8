// `slipway profile validate` and `slipway profile show`.
import ArgumentParser
import Foundation
import Profile

struct ProfileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Check profiles and print them resolved, with extends applied and defaults filled in.",
        discussion: """
            A profile is a YAML file that describes an image: root filesystem layers, kernel, disk
            layout, services. Every key is documented in docs/profile.md.

            Examples:
              slipway profile validate profiles/*.yaml
              slipway profile validate --json profiles/minimal.yaml
              slipway profile show profiles/docker-host.yaml          # resolved YAML
              slipway profile show --digest profiles/docker-host.yaml # sha256 of the canonical form
            """,
        subcommands: [ValidateProfile.self, ShowProfile.self])
}

struct ValidateProfile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check profiles and report every problem, each with file:line:column.",
        discussion: """
            Each profile is loaded with its extends chain, and every problem is listed at once: wrong
            types, unknown keys (with the closest known key), bad sizes and names, missing or
            conflicting keys, paths that do not exist, partitions that cannot fit the disk.

            Examples:
              $ slipway profile validate profiles/minimal.yaml
              profiles/minimal.yaml: valid (digest 3f1c…)
              $ slipway profile validate broken.yaml
              broken.yaml:3:1: kernal: unknown key; did you mean "kernel"?
              broken.yaml:9:9: disk.esp "12X": expected a size like 512MiB or 2GiB

            --json prints {"valid": BOOL, "profiles": [{"file", "valid", "digest", "problems":
            [{"file", "line", "column", "key", "value", "message"}]}]} on standard output.

            Exit status: 0 when every profile is valid, 1 when any is not, 2 for usage errors.
            """)

    @Argument(help: "Profile files to check.")
    var files: [String]

    @Flag(help: "Print the result as JSON on standard output.")
    var json = false

    func validate() throws {
        if files.isEmpty { throw ValidationError("name at least one profile file, like profiles/minimal.yaml") }
    }

    func run() async throws {
        var reports: [CanonicalValue] = []
        var allValid = true
        for file in files {
            do {
                let profile = try Profile.load(path: file)
                reports.append(
                    .map([
                        ("file", .string(file)), ("valid", .bool(true)), ("digest", .string(profile.digest)),
                        ("problems", .list([])),
                    ]))
                if !json { print("\(file): valid (digest \(profile.digest))") }
            } catch {
                allValid = false
                reports.append(
                    .map([
                        ("file", .string(file)), ("valid", .bool(false)),
                        ("problems", .list(error.problems.map(\.canonical))),
                    ]))
                if !json {
                    printError(error.description)
                    printError("\(file): \(error.problems.count) problem\(error.problems.count == 1 ? "" : "s")")
                }
            }
        }
        if json { print(CanonicalValue.map([("valid", .bool(allValid)), ("profiles", .list(reports))]).json()) }
        if !allValid { throw ExitCode.failure }
    }
}

struct ShowProfile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print a profile resolved: extends applied, defaults filled in, in canonical order.",
        discussion: """
            The output is the canonical form: every key in a fixed order, names sorted, sizes in
            their canonical unit, host paths relative to the profile's directory. It loads back as
            the same profile, and its SHA-256 (--digest) is the profile digest that builds record.

            Examples:
              slipway profile show profiles/docker-host.yaml
              slipway profile show --json profiles/docker-host.yaml | jq .root.layers
              slipway profile show --digest profiles/minimal.yaml

            Exit status: 0 when the profile is valid; 1 (with every problem listed) when it is not.
            """)

    @Argument(help: "The profile file.")
    var file: String

    @Flag(help: "Print JSON instead of YAML.")
    var json = false

    @Flag(help: "Print only the profile digest (hex SHA-256 of the canonical YAML).")
    var digest = false

    func validate() throws {
        if json && digest { throw ValidationError("--json and --digest cannot be used together; choose one") }
    }

    func run() async throws {
        do {
            let profile = try Profile.load(path: file)
            if digest {
                print(profile.digest)
            } else if json {
                print(profile.canonicalJSON, terminator: "")
            } else {
                print(profile.canonicalYAML, terminator: "")
            }
        } catch {
            printError(error.description)
            throw ExitCode.failure
        }
    }
}

extension ProfileProblem {
    /// The problem as a JSON object.
    var canonical: CanonicalValue {
        var entries: [(String, CanonicalValue)] = [("file", .string(file))]
        if let location {
            entries += [("line", .integer(Int64(location.line))), ("column", .integer(Int64(location.column)))]
        }
        entries.append(("key", .string(keyPath)))
        if let value { entries.append(("value", .string(value))) }
        entries.append(("message", .string(message)))
        return .map(entries)
    }
}
