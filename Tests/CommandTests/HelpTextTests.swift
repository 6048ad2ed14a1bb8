import ArgumentParser
import Testing

@testable import Commands

/// `--help` discussions read well at any width: ArgumentParser wraps each line at the terminal's
/// width and keeps every line break, so a paragraph is one line (it wraps it), and a preformatted
/// line (an example, a table row: indented) fits 80 columns so that it is never broken.
@Suite struct HelpTextTests {
    /// Every command in the tree.
    static let commands: [any ParsableCommand.Type] = {
        func all(_ type: any ParsableCommand.Type) -> [any ParsableCommand.Type] {
            [type] + type.configuration.subcommands.flatMap(all)
        }
        return all(Slipway.self)
    }()

    @Test func paragraphsAreNotWrappedInTheSource() {
        for command in Self.commands {
            let lines = command.configuration.discussion.split(separator: "\n", omittingEmptySubsequences: false)
            for (line, next) in zip(lines, lines.dropFirst()) where isProse(line) && isProse(next) {
                Issue.record("\(command.displayName): a paragraph is broken before \"\(next.prefix(30))\"")
            }
        }
    }

    @Test func preformattedLinesFitEightyColumns() {
        for command in Self.commands {
            for line in command.configuration.discussion.split(separator: "\n") where line.first == " " {
                #expect(line.count < 80, "\(command.displayName): \(line)")
            }
        }
    }

    /// `slipway build --help` at 80 columns: no line is longer, and the table keeps its rows.
    @Test func buildHelpAtEightyColumns() throws {
        let help = try slipway(["build", "--help"], environment: ["COLUMNS": "80"]).stdout
        let lines = help.split(separator: "\n").map(String.init)
        let discussion = lines.prefix { !$0.hasPrefix("USAGE:") }
        #expect(discussion.allSatisfy { $0.count <= 80 })
        #expect(discussion.contains("  NAME.manifest.json  the profile digest, every layer and package with"))
        #expect(discussion.contains("  slipway build profiles/docker-host.yaml --rootfs-only"))
        // A paragraph wraps where ArgumentParser decides: no line of prose ends after a word or two.
        let short = discussion.filter { !$0.isEmpty && $0.first != " " && $0.count < 20 && !$0.hasSuffix(":") }
        #expect(short.count <= 2, "\(short)")
    }

    private func isProse(_ line: Substring) -> Bool { !line.isEmpty && line.first != " " && !line.hasSuffix(":") }
}
