// `slipway build PROFILE`: the whole pipeline, outputs renamed into place only on success.
import ArgumentParser
import Build
import Foundation
import Profile

struct BuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build the images a profile describes, without root, mounts or Docker.",
        discussion: """
            Resolves the profile's Debian packages with apt (private state; the host's dpkg is never \
            touched), verifies and caches the .debs, merges every layer with the OCI whiteout rules and \
            writes the root filesystem straight into an ext4 image. Outputs, in --output:

              NAME.img            the bootable GPT disk: ESP (systemd-boot, slot A),
                                  ROOT-A, ROOT-B (empty), STATE
              NAME.qcow2          with --format qcow2: the same disk as qcow2
              NAME.vmdk           with --format vmdk: the same disk as a streamOptimized
                                  VMDK (AWS image import, VMware)
              NAME.vhd            with --format vhd: the same disk as a fixed VHD, its
                                  size a whole number of MiB (Azure)
              NAME.tar.gz         with --format gce: the disk as disk.raw, padded with
                                  zeros to a whole number of GiB, alone in a gzip'd
                                  GNU tar (GCE image import)
              NAME.rootfs.ext4    the root filesystem (ext4's read-only feature set
                                  unless the profile says not)
              NAME.vmlinuz        the kernel, and NAME.initrd.img the slipway initrd
                                  (with kernel.uki or --secure-boot-key, slot A boots
                                  both from one unified kernel image on the ESP)
              NAME.manifest.json  the profile digest, every layer and package with
                                  its digest (an SBOM), and every output with its
                                  size and SHA-256
              NAME.spdx.json      the same as an SPDX 2.3 SBOM: every output, layer,
                                  image and package with its digest, packages with
                                  licences from their Debian copyright files
                                  (docs/manifest.md)
              NAME.update         with --signing-key: a signed update payload

            The root must hold what slipway's initrd needs to boot it: the init (init:, /sbin/init by \
            default) and the directories it mounts on (/state, /etc, /var, /home, /dev, /proc, /sys, \
            /run), which profiles/base.yaml creates. A root without them stops the build before its \
            image is written; --rootfs-only builds are not held to it.

            Outputs are written beside their final names and renamed into place only when the whole \
            build succeeded, so a failed or interrupted build leaves the previous outputs as they were. \
            Ctrl-C (SIGINT) or SIGTERM removes the build's temporary files before it exits. A build \
            holds its output directory: a second build into it fails at once, and the next build \
            removes what a killed one left there.

            One image per platform, as Flatcar and Fedora CoreOS ship them: --platform (or the \
            profile's firstboot.platform, qemu by default) picks where the image looks for its \
            first-boot config and the serial console on the kernel command line; the manifest \
            records it. docs/firstboot.md lists the config source and the kernel arguments of each platform.

            Secure Boot: --secure-boot-key KEY --secure-boot-cert CERT (PEM, the key without a \
            passphrase) make slot A boot a unified kernel image (systemd-stub with the kernel, the \
            initrd, the command line and os-release; kernel.uki: true does that unsigned) and sign it \
            and systemd-boot, so the firmware refuses them changed and the command line cannot be \
            edited. The signatures carry SOURCE_DATE_EPOCH as their time: signed builds are \
            byte-identical too. Boot one with `slipway run IMAGE --secure-boot`. Update payloads do not \
            carry unified kernel images yet, so --signing-key is refused with them. See docs/boot.md.

            Builds are reproducible: the same profile and inputs give byte-identical outputs. Times are \
            clamped to SOURCE_DATE_EPOCH (environment or --source-date-epoch), or else to the newest \
            time found in the archive layers.

            Runners can share one build cache through an OCI registry: with --cache-registry \
            REGISTRY/REPO (or SLIPWAY_CACHE_REGISTRY) a build looks for package resolutions, .debs \
            and the finished root image in the local cache, then in the registry, and afterwards \
            pushes what the registry lacked. What is pulled is verified by SHA-256 before use. A \
            registry that is down, fails or sends bad bytes costs one notice; the build goes on \
            locally. Loopback registries are reached over http, others over https; \
            SLIPWAY_CACHE_REGISTRY_AUTH=USER:PASSWORD answers a registry that asks. See docs/ci.md.

            Examples:
              slipway build profiles/minimal.yaml
              slipway build profiles/docker-host.yaml --output /tmp/images --json
              slipway build profiles/docker-host.yaml --rootfs-only
              slipway build profiles/minimal.yaml --signing-key keys/update.key
              slipway build profiles/minimal.yaml --format vhd
              slipway build profiles/minimal.yaml --secure-boot-key sb.key \\
                --secure-boot-cert sb.pem
              slipway build profiles/docker-host.yaml --platform aws
              slipway build profiles/minimal.yaml --cache-registry localhost:5000/cache
              SOURCE_DATE_EPOCH=1700000000 slipway build profiles/minimal.yaml

            A failure prints slipway build: and the file, entry and rule on standard error; with \
            --json, {"error", "profile", "problems": [{"file", "line", "column", "key", "value", \
            "message"}]} on standard output too. --quiet prints nothing on success.

            Exit status: 0 success, 1 the build failed or another build holds the output directory, \
            2 usage error, 130 interrupted by SIGINT, 143 by SIGTERM.
            """)

    @Argument(help: "The profile to build (profiles/*.yaml).")
    var profile: String

    @Option(name: .shortAndLong, help: "Directory for the outputs.")
    var output = "out"

    @Option(help: "Cache for verified packages and apt's private state (default: $SLIPWAY_CACHE or ~/.cache/slipway).")
    var cache: String?

    @Option(
        help: ArgumentHelp(
            "Share the build cache through this OCI registry repository (default: $SLIPWAY_CACHE_REGISTRY); see docs/ci.md.",
            valueName: "REGISTRY/REPO"))
    var cacheRegistry: String?

    @Option(help: "Clamp every timestamp to this many seconds since 1970 (overrides SOURCE_DATE_EPOCH).")
    var sourceDateEpoch: Int64?

    @Option(
        help: ArgumentHelp(
            "Disk image format: raw, qcow2, vmdk, vhd or gce (NAME.img, and NAME.qcow2, .vmdk, .vhd or .tar.gz beside it); default: the profile's disk.format.",
            valueName: "FORMAT"))
    var format: String?

    @Option(
        help: ArgumentHelp(
            "The platform to build for: qemu, aws, gce, azure, openstack, digitalocean, metal or auto; default: the profile's firstboot.platform (qemu).",
            valueName: "NAME"))
    var platform: String?

    @Option(
        help: ArgumentHelp(
            "Also write NAME.update, an update payload signed with this private key (from `slipway keys generate`).",
            valueName: "KEY"))
    var signingKey: String?

    @Option(
        help: ArgumentHelp(
            "Sign slot A's unified kernel image and systemd-boot for Secure Boot with this private key (PEM, no passphrase).",
            valueName: "KEY"))
    var secureBootKey: String?

    @Option(
        help: ArgumentHelp(
            "The X.509 certificate (PEM) of --secure-boot-key; the firmware's db must hold it.", valueName: "CERT"))
    var secureBootCert: String?

    @Flag(help: "Write only the root filesystem image and the manifest (no kernel, initrd or disk).")
    var rootfsOnly = false

    @Flag(
        help: "Print the result as JSON on standard output; a failure prints {\"error\", \"profile\", \"problems\"}.")
    var json = false

    @Flag(name: .shortAndLong, help: "Print nothing on success: no progress and no list of outputs.")
    var quiet = false

    func validate() throws {
        if let platform, Profile.Platform(rawValue: platform) == nil {
            throw ValidationError(
                "--platform \(platform): " + EditDistance.choiceProblem(platform, among: Profile.Platform.self))
        }
        if (secureBootKey == nil) != (secureBootCert == nil) {
            throw ValidationError("--secure-boot-key and --secure-boot-cert go together: give both")
        }
        if let format, Profile.ImageFormat(rawValue: format) == nil {
            throw ValidationError("--format \(format): use \(Profile.ImageFormat.choices)")
        }
    }

    func run() async throws {
        var request = BuildRequest(
            profilePath: profile, outputDirectory: output, cacheDirectory: cache, sourceDateEpoch: sourceDateEpoch)
        request.rootfsOnly = rootfsOnly
        request.format = format
        request.platform = platform
        request.signingKey = signingKey
        request.secureBootKey = secureBootKey
        request.secureBootCertificate = secureBootCert
        request.cacheRegistry = cacheRegistry
        if quiet { request.cacheNotice = { _ in } }
        let progress: any ProgressReporter = quiet || json ? SilentProgress() : TerminalProgress()
        // Ctrl-C or SIGTERM from here on removes the build's temporaries before exiting.
        let interrupts = InterruptCleanup(outputDirectory: output)
        defer { withExtendedLifetime(interrupts) {} }
        // A failure goes to the entry point, which prints it (as JSON too with --json).
        let result: BuildResult
        do {
            result = try Builder(request, progress: progress).build()
        } catch let error as CocoaError where (512...642).contains(error.code.rawValue) {
            // Writing an output failed after the directory was claimed (a full disk, a file
            // system that turned read-only): say where, and which flag moves the outputs.
            // Foundation's write errors are codes 512 to 642 (NSFileWriteErrorMinimum...Maximum).
            throw BuildError(
                operation: "write the outputs", path: error.filePath ?? error.url?.path ?? output,
                message: "\(FileErrorText.reason(error)); choose a directory you can write with --output")
        }
        if json {
            try printJSON(result)
        } else if !quiet {
            for (role, path) in result.outputs.sorted(by: { $0.key < $1.key }) { print("\(role): \(path)") }
            print("manifest: \(result.manifest)")
            print("sbom: \(result.sbom)")
            print(String(format: "built %@ in %.1fs (%d packages)", result.profile, result.seconds, result.packages))
        }
    }
}

extension BuildCommand: ReportsFailureAsJSON {
    var failureContext: [(String, CanonicalValue)] { [("profile", .string(profile))] }
}

private func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    FileHandle.standardOutput.write(try encoder.encode(value) + Data("\n".utf8))
}
