// What the executable does with its arguments: find the command, parse, run, and report every
// failure the same way. Each error line on standard error starts with `slipway COMMAND: `, the
// parser's usage errors included; usage errors exit 2 (ArgumentParser's default is 64), other
// failures 1, and a command that decided its own status (`run`) keeps it. A command with --json
// also gets its failure on standard output as JSON.
public import ArgumentParser
import Foundation
import Profile

extension Slipway {
    /// Parses `arguments` (without the program name), runs the command, and returns the exit status.
    public static func execute(_ arguments: [String]) async -> Int32 {
        let named = CommandChain(arguments)
        if let unknown = named.unknownSubcommand {
            printError(named.unknownMessage(unknown))
            return 2
        }
        var command: any ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            return finish(error, command: named.name, json: named.acceptsJSON && arguments.contains("--json"))
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let reporting = command as? any ReportsFailureAsJSON
            return finish(
                error, command: CommandChain.name(of: type(of: command)) ?? named.name, ran: type(of: command),
                json: reporting?.json == true, context: reporting?.failureContext ?? [])
        }
        return 0
    }

    /// Prints `error` for `command` and returns the exit status. `ran` is the command whose `run`
    /// threw, whose usage follows a usage error (ArgumentParser would show the root's).
    private static func finish(
        _ error: any Error, command: String, ran: (any ParsableCommand.Type)? = nil, json: Bool,
        context: [(String, CanonicalValue)] = []
    ) -> Int32 {
        if let code = error as? ExitCode { return code.rawValue }
        let code = exitCode(for: error)
        if code == .success {
            // --help and --version.
            print(fullMessage(for: error))
            return 0
        }
        let usage = code == .validationFailure
        // The parser's own text starts "Error: " and goes on with the usage; the rest is ours.
        var text = usage ? fullMessage(for: error) : FileErrorText.describe(error)
        if usage, let ran {
            text =
                "\(message(for: error))\nUsage: \(usageString(for: ran))\n  See '\(command) --help' for more information."
        }
        if usage, text.hasPrefix("Error: ") { text = String(text.dropFirst("Error: ".count)) }
        if usage { text = lowercasingFirstWord(text) }
        if json {
            let message = usage ? lowercasingFirstWord(message(for: error)) : text
            let problems = usage ? [FailureProblem(message: message)] : FailureProblem.list(error)
            print(FailureJSON.failure(message, problems: problems, context: context))
        }
        printPrefixed(text, command: command, usageFollows: usage)
        return usage ? 2 : code.rawValue
    }
}

/// `missing expected argument`: the parser's sentences start in capitals, ours do not (flags and
/// names in capitals, like `IMAGE`, stay).
func lowercasingFirstWord(_ text: String) -> String {
    guard let first = text.first, first.isUppercase, text.dropFirst().first?.isLowercase == true else { return text }
    return first.lowercased() + text.dropFirst()
}

/// Prints `text` on standard error, each line after `command: ` (the usage lines that follow a
/// usage error as they are).
func printPrefixed(_ text: String, command: String, usageFollows: Bool = false) {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    while lines.last?.isEmpty == true { lines.removeLast() }
    var prefixed = true
    for line in lines {
        if usageFollows, line.hasPrefix("Usage: ") || line.hasPrefix("Help: ") { prefixed = false }
        printError(prefixed ? "\(command): \(line)" : line)
    }
}

/// A command with `--json`: a failure is also printed as JSON on standard output.
protocol ReportsFailureAsJSON {
    var json: Bool { get }
    /// What the failure JSON says besides the error, like the profile a build was given.
    var failureContext: [(String, CanonicalValue)] { get }
}
