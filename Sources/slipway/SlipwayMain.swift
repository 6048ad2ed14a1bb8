import ArgumentParser
import Commands
import Foundation

/// The executable only hands over to the command tree in the Commands module. It maps usage errors
/// to exit code 2 (ArgumentParser's default is 64), as documented in `slipway --help`.
@main
enum SlipwayMain {
    static func main() async {
        do {
            var command = try Slipway.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = Slipway.exitCode(for: error)
            guard code == .validationFailure else { Slipway.exit(withError: error) }
            let message = Slipway.fullMessage(for: error)
            FileHandle.standardError.write(Data((message.hasSuffix("\n") ? message : message + "\n").utf8))
            exit(2)
        }
    }
}
