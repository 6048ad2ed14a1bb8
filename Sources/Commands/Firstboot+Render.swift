import ArgumentParser

struct FirstbootRender: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "render", abstract: "(in progress)")
    func run() async throws { throw ExitCode.failure }
}
