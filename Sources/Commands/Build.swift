import ArgumentParser

struct BuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "build", abstract: "(not yet implemented)")
    func run() async throws { throw ExitCode.failure }
}
