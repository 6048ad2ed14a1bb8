// The subcommands that arguments name, found before parsing: a usage error needs the command's
// name for its prefix before ArgumentParser has made the command, and a word that names no
// subcommand gets a suggestion (ArgumentParser says only "unexpected argument").
import ArgumentParser
import Profile

struct CommandChain {
    /// The command types from the root down to the last one named.
    private(set) var types: [any ParsableCommand.Type] = [Slipway.self]
    /// A word where a subcommand of the last type was expected, naming none.
    private(set) var unknownSubcommand: String?

    init(_ arguments: [String]) {
        for argument in arguments where !argument.hasPrefix("-") {
            guard let current = types.last else { break }
            let subcommands = current.configuration.subcommands
            // A leaf's words are its arguments; `help` is ArgumentParser's own.
            if subcommands.isEmpty || argument == "help" { break }
            guard let next = subcommands.first(where: { Self.names(of: $0).contains(argument) }) else {
                unknownSubcommand = argument
                break
            }
            types.append(next)
        }
    }

    /// `slipway profile validate`.
    var name: String { types.map(Self.commandName).joined(separator: " ") }

    /// Whether the command named has a `--json` flag.
    var acceptsJSON: Bool { types.last.map { $0 is any ReportsFailureAsJSON.Type } ?? false }

    /// `slipway: "biuld" is not a command; did you mean "build"?`, with the usage.
    func unknownMessage(_ word: String) -> String {
        let candidates = (types.last?.configuration.subcommands ?? []).map(Self.commandName)
        let advice =
            EditDistance.closest(to: word, among: candidates).map { "did you mean \"\($0)\"?" }
            ?? "the commands are \(candidates.joined(separator: ", "))"
        return """
            \(name): "\(word)" is not a \(name) command; \(advice)
            Usage: \(name) <subcommand>
              See '\(name) --help' for more information.
            """
    }

    /// The full name of a command type: `slipway profile validate`; nil for a type outside the tree.
    static func name(of type: any ParsableCommand.Type) -> String? {
        func search(_ chain: [any ParsableCommand.Type]) -> [any ParsableCommand.Type]? {
            guard let last = chain.last else { return nil }
            if ObjectIdentifier(last) == ObjectIdentifier(type) { return chain }
            for child in last.configuration.subcommands {
                if let found = search(chain + [child]) { return found }
            }
            return nil
        }
        return search([Slipway.self]).map { $0.map(commandName).joined(separator: " ") }
    }

    private static func commandName(_ type: any ParsableCommand.Type) -> String {
        type.configuration.commandName ?? String(describing: type).lowercased()
    }

    private static func names(of type: any ParsableCommand.Type) -> [String] {
        [commandName(type)] + type.configuration.aliases
    }
}

extension ParsableCommand {
    /// The command's full name, as its messages start: `slipway profile validate`.
    static var displayName: String { CommandChain.name(of: self) ?? "slipway" }
}
