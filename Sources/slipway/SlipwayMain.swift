import Commands
import Foundation

/// The executable hands its arguments to the command tree in the Commands module, which reports
/// failures and decides the exit status (documented in `slipway --help`).
@main
enum SlipwayMain {
    static func main() async {
        exit(await Slipway.execute(Array(CommandLine.arguments.dropFirst())))
    }
}
