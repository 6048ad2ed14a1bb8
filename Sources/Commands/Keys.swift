// `slipway keys generate DIR`: an Ed25519 key pair for signing update payloads.
import ArgumentParser
import Update
import UpdateKeys

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage the keys that sign update payloads.",
        subcommands: [GenerateKeys.self])
}

struct GenerateKeys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a new update signing key pair: DIR/update.key (private, mode 0600) and DIR/update.pub.",
        discussion: """
            The keys are Ed25519, as PEM files that OpenSSL reads too. List the public key in the \
            profile so images trust it, and sign payloads with the private key:

              slipway keys generate keys/
              # in the profile:  update: { keys: [keys/update.pub] }
              slipway build profiles/docker-host.yaml --signing-key keys/update.key

            The build then also writes out/docker-host.update. Existing keys are never overwritten. \
            Keep update.key out of version control: whoever has it can update every machine that \
            trusts update.pub.
            """)

    @Argument(help: "Directory for update.key and update.pub (created if missing).")
    var directory: String

    func run() async throws {
        let key = UpdateSigningKey.generate()
        let written = try key.write(toDirectory: directory)
        print("private key: \(written.key) (mode 0600)")
        print("public key:  \(written.pub) (key id \(key.publicKey.id))")
    }
}
