import ArgumentParser
import Inspect
import Profile

struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a disk image's partitions, filesystems, boot slots and manifest.",
        discussion: """
            Reads a slipway image without mounting it (a qcow2, VMDK or VHD image through a temporary raw \
            copy made with qemu-img): \
            the GPT (both copies and their CRCs are verified), each partition's filesystem, label and \
            UUID (through libblkid), the loader entries in the ESP with their boot-counting state \
            (slipway-a+3.conf: slot a, 3 tries left), and the NAME.manifest.json beside the image.

            Examples:
              slipway inspect out/docker-host.img
              slipway inspect out/docker-host.img --json | jq '.slots'

            Exit status 0 when the image was read; 1 when it could not be (a damaged GPT names the \
            copy and the check that failed; with --json, {"error", "image", "problems"} on standard \
            output too).
            """)

    @Argument(
        help:
            "The disk image to read: NAME.img, or NAME.qcow2, NAME.vmdk or NAME.vhd (read through a raw copy made with qemu-img)."
    )
    var image: String

    @Flag(help: "Print JSON with stable, sorted keys instead of text.")
    var json = false

    func run() async throws {
        try finishInterruptedBuild(around: image, command: Self.displayName)
        let report = try Inspector.inspect(imageAt: image)
        print(json ? report.jsonText() : report.text(), terminator: "")
    }
}

extension InspectCommand: ReportsFailureAsJSON {
    var failureContext: [(String, CanonicalValue)] { [("image", .string(image))] }
}
