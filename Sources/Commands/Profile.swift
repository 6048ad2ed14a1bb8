// `slipway profile validate` and `slipway profile show`.
import ArgumentParser
import Foundation
import Profile

struct ProfileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Check profiles and print them resolved, with extends applied and defaults filled in.",
        discussion: """
            A profile is a YAML file that describes an image: root filesystem layers, kernel, disk \
            layout, services. Every key is documented in docs/profile.md.

            Examples:
              slipway profile validate profiles/*.yaml
              slipway profile validate --json profiles/minimal.yaml
              slipway profile show profiles/docker-host.yaml           # resolved YAML
              slipway profile show --digest profiles/docker-host.yaml  # its digest
            """,
        subcommands: [ValidateProfile.self, ShowProfile.self])
}

struct ValidateProfile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check profiles and report every problem, each with file:line:column.",
        discussion: """
            Each profile is loaded with its extends chain, and every problem is listed at once: wrong \
            types, unknown keys (with the closest known key), bad sizes and names, missing or \
            conflicting keys, paths that do not exist, partitions that cannot fit the disk.

            A profile whose layers are all declared (files, symlinks, directories) and leave out the \
            init or a directory slipway's initrd mounts on gets a warning: it is valid, as a base \
            like profiles/base.yaml is, but an image built from it alone cannot boot, and slipway \
            build refuses it.

            A valid profile gets one line on standard output: profiles/minimal.yaml: valid (digest \
            3f1c…). Each problem is one line on standard error, like slipway profile validate: \
            b.yaml:3:1: kernal: unknown key; did you mean "kernel"?, and the count follows: slipway \
            profile validate: b.yaml: 1 problem.

            Examples:
              slipway profile validate profiles/*.yaml
              slipway profile validate --json profiles/minimal.yaml | jq .valid

            --json prints {"valid": BOOL, "profiles": [{"file", "valid", "digest", "problems": \
            [{"file", "line", "column", "key", "value", "message"}], "warnings": [...]}]} on standard \
            output.

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
        let name = Self.displayName
        var reports: [CanonicalValue] = []
        var allValid = true
        for file in files {
            do {
                let profile = try Profile.load(path: file)
                // What only the build could confirm: an image of this profile alone cannot boot.
                let warnings = profile.bootProblems()
                reports.append(
                    .map([
                        ("file", .string(file)), ("valid", .bool(true)), ("digest", .string(profile.digest)),
                        ("problems", .list([])), ("warnings", .list(warnings.map(\.canonical))),
                    ]))
                guard !json else { continue }
                printPrefixed(warnings.map(\.warningDescription).joined(separator: "\n"), command: name)
                let counted = warnings.isEmpty ? "" : ", \(warnings.count) warning\(warnings.count == 1 ? "" : "s")"
                print("\(file): valid (digest \(profile.digest))\(counted)")
            } catch {
                allValid = false
                reports.append(
                    .map([
                        ("file", .string(file)), ("valid", .bool(false)),
                        ("problems", .list(error.problems.map(\.canonical))), ("warnings", .list([])),
                    ]))
                guard !json else { continue }
                let count = error.problems.count
                printPrefixed(error.description + "\n\(file): \(count) problem\(count == 1 ? "" : "s")", command: name)
            }
        }
        if json { print(CanonicalValue.map([("valid", .bool(allValid)), ("profiles", .list(reports))]).json()) }
        if !allValid { throw ExitCode.failure }
    }
}

extension ValidateProfile: ReportsFailureAsJSON {
    var failureContext: [(String, CanonicalValue)] { [] }
}

struct ShowProfile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print a profile resolved: extends applied, defaults filled in, in canonical order.",
        discussion: """
            The output is the canonical form: every key in a fixed order, names sorted, sizes in their \
            canonical unit, host paths relative to the profile's directory. It loads back as the same \
            profile, and its SHA-256 (--digest) is the profile digest that builds record.

            Examples:
              slipway profile show profiles/docker-host.yaml
              slipway profile show --json profiles/docker-host.yaml | jq .root.layers
              slipway profile show --digest profiles/minimal.yaml

            Exit status: 0 when the profile is valid; 1 (with every problem listed, and with --json \
            {"error", "file", "problems"} on standard output) when it is not.
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
        let profile = try Profile.load(path: file)
        if digest {
            print(profile.digest)
        } else if json {
            print(profile.canonicalJSON, terminator: "")
        } else {
            print(profile.canonicalYAML, terminator: "")
        }
    }
}

extension ShowProfile: ReportsFailureAsJSON {
    var failureContext: [(String, CanonicalValue)] { [("file", .string(file))] }
}

extension ProfileProblem {
    /// `p.yaml:1:1: warning: init "/sbin/init": ...`: the problem as a warning.
    var warningDescription: String {
        let place = location.map { "\($0): " } ?? "\(file): "
        return place + "warning: " + description.dropFirst(place.count)
    }

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
