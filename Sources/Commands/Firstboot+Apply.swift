// `slipway firstboot apply FILE --root DIR`: the first-boot processor run against a directory.
import ArgumentParser
import FirstBoot

struct FirstbootApply: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Apply a first-boot config to a root directory (files, users, SSH keys, units).",
        discussion: """
            The config is validated, referenced configs and every resource are fetched and verified, \
            and every entry is checked against the root before anything is written: a failure leaves \
            the root untouched. Kernel arguments are recorded in DIR/etc/.slipway-kargs.json.

            A directory has no block devices: storage.disks and filesystems are refused, or with \
            --ignore-devices reported as warnings (the image's first boot partitions extra disks and \
            makes their filesystems itself). storage.raid, storage.luks and formats other than ext4, \
            vfat and swap are invalid: first boot does not support them.

            Examples:
              slipway firstboot apply me.ign --root ./rootfs
              slipway firstboot apply me.ign --root ./rootfs --ignore-devices

            Exit codes: 0 applied, 1 invalid config or failed apply (the entry and reason are \
            printed), 2 usage error.
            """)

    @Argument(help: "The config file (Ignition JSON), or - for standard input.")
    var file: String

    @Option(name: .long, help: "The directory to treat as / (must exist).")
    var root: String

    @Flag(name: .long, help: "Warn about storage.disks and storage.filesystems instead of failing.")
    var ignoreDevices = false

    @Option(name: .long, help: "Give up fetching a resource after this many seconds when the config sets no httpTotal.")
    var fetchTimeout: Double = 60

    func validate() throws {
        guard fetchTimeout > 0 else { throw ValidationError("--fetch-timeout must be greater than 0") }
    }

    func run() async throws {
        let name = file == "-" ? "<stdin>" : file
        let report = ConfigParser.parse(try readInput(file))
        let command = Self.displayName
        printPrefixed(report.diagnostics.map { $0.formatted(file: name) }.joined(separator: "\n"), command: command)
        guard report.isValid, let config = report.config else {
            printPrefixed("\(name): invalid, nothing applied", command: command)
            throw ExitCode.failure
        }
        let options = ApplyOptions(
            fetcher: StandardFetcher(), defaultTotalSeconds: fetchTimeout, ignoreStorageDevices: ignoreDevices)
        do {
            let result = try ConfigApplier.apply(config, root: root, options: options)
            printPrefixed(result.warnings.map { "\(name): warning: \($0)" }.joined(separator: "\n"), command: command)
        } catch {
            var text = "\(name): \(error)"
            if !error.message.contains("partially configured") { text += "\n\(name): nothing was written" }
            printPrefixed(text, command: command)
            throw ExitCode.failure
        }
    }
}
