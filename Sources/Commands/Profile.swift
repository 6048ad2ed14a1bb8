import ArgumentParser

struct ProfileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "profile", abstract: "(not yet implemented)")
    func run() async throws { throw ExitCode.failure }
}
