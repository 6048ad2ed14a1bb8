// `slipway update apply IMAGE PAYLOAD`: install a payload into an image file's inactive slot, with
// the checks and the write order of `slipway-update apply` on a host.
import ArgumentParser
import OfflineUpdate

struct UpdateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update", abstract: "Apply update payloads to image files.", subcommands: [ApplyUpdate.self])
}

struct ApplyUpdate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Install a signed update payload into the inactive slot of an image file.",
        discussion: """
            The payload (NAME.update, from `slipway build --signing-key`) is checked before anything \
            is written: its signature against the keys the image's booting slot trusts, its profile \
            name and architecture, its version (newer than the booting slot's), the slot's size and \
            every chunk's digest. A refused payload leaves the image byte-identical.

            Then the inactive slot's entry is removed, the root filesystem written, the kernel and \
            initrd copied to the ESP, and the new entry (with boot counting, sorting first) renamed \
            into place. The next boot tries the new version; its health check blesses it, and a \
            version that fails its tries falls back to the previous one.

            Examples:
              slipway update apply out/minimal.img out-v2/minimal.update
              slipway inspect out/minimal.img      # slot B: the new version, tries left

            --quiet prints nothing on success.

            Exit status: 0 installed, 1 refused or failed (the message names the rule), 2 usage error.
            """)

    @Argument(help: "The raw disk image (NAME.img) to update.")
    var image: String

    @Argument(help: "The update payload (NAME.update).")
    var payload: String

    @Flag(help: "Install a version that is not newer than the one in the image.")
    var allowDowngrade = false

    @Flag(name: .shortAndLong, help: "Print nothing on success: no progress and no summary.")
    var quiet = false

    func run() async throws {
        for file in [image, payload] { try finishInterruptedBuild(around: file, command: Self.displayName) }
        let applied = try OfflineUpdate.apply(image: image, payload: payload, allowDowngrade: allowDowngrade) {
            if !quiet { printError("\(Self.displayName): \($0)") }
        }
        if !quiet { print("installed version \(applied.version) in slot \(applied.slot) (\(applied.entryFile))") }
    }
}
