import ArgumentParser

struct FirstbootCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "firstboot", abstract: "(not yet implemented)")
    func run() async throws { throw ExitCode.failure }
}
