import ArgumentParser
import FirstBoot

struct FirstbootApply: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "apply", abstract: "(in progress)")
    func run() async throws { throw ExitCode.failure }
}
