import ArgumentParser
import Dispatch
import Foundation
import Runner

#if canImport(Glibc)
    import Glibc
#endif

/// `slipway run`: boot an image (or a kernel) in QEMU with the serial console on stdout.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Boot an image in QEMU with its serial console on stdout.",
        discussion: """
            Boots through UEFI (OVMF, with a private copy of its variable store) on a throwaway qcow2 \
            overlay of the image, so the image itself is never changed unless --persist is given. The guest \
            gets user-mode networking; --ssh-port and --forward publish guest ports on 127.0.0.1.

            The image may be raw (NAME.img), qcow2, a VMDK or a VHD (NAME.vmdk, NAME.vhd from \
            `slipway build --format`), told apart by magic number and named to QEMU explicitly. A \
            streamOptimized VMDK cannot be rewritten in place, so --persist refuses it; GCE's NAME.tar.gz \
            is refused too: boot NAME.img, built beside it.

            Examples:
              slipway run out/minimal.img
              slipway run out/docker-host.img --config me.ign --ssh-port 2222
              slipway run out/docker-host.img --disk-size 20GiB --memory 4GiB
              slipway run out/minimal.img --expect 'slipway: ready' --timeout 120
              slipway run out/minimal.img --config kargs.ign --reboots 1 \\
                --expect 'slipway: ready'
              slipway run --kernel vmlinuz --initrd initrd.img --append console=ttyS0
              slipway run out/signed/minimal.img --secure-boot --expect 'slipway: ready'

            --secure-boot runs OVMF's Secure Boot build (OVMF_CODE_4M.secboot.fd, QEMU with SMM) with \
            Debian's snakeoil key enrolled (OVMF_VARS_4M.snakeoil.fd): an image built with \
            `slipway build --secure-boot-key KEY --secure-boot-cert CERT` from that key pair boots, an unsigned \
            or tampered one is refused by the firmware. For your own keys give a variable store with \
            --secure-boot-vars (enrol the certificate with virt-fw-vars from the virt-firmware package).

            Sizes (--memory, --disk-size) follow the profile's rules: binary units like 512MiB, \
            2GiB or 2G; decimal units (2GB) are refused as ambiguous. A plain number counts MiB. \
            The image, --config, --kernel and --initrd are checked before anything starts.

            Without --expect the run lasts until the guest powers off (or --timeout passes); on a terminal, \
            keys go to the guest and Ctrl-C stops the machine. --accel auto uses KVM only after checking that \
            it really runs a guest here, and otherwise says once on stderr that it falls back to TCG.

            QEMU runs with -no-reboot, so a guest reboot ends the run (status 3). --reboots N lets the guest \
            reboot N times: each time QEMU is started again on the same disk (the same throwaway overlay) and \
            the same copy of the UEFI variables, so boot counting and EFI variables carry over; --expect keeps \
            matching and --timeout bounds the whole run.

            Exit status:
              0    --expect matched; without --expect, the guest powered off
              1    --timeout passed first
              3    the guest stopped before a match, or rebooted (more often than
                   --reboots allows), reset or panicked
              4    the machine could not run (QEMU, firmware, image or config)
              2    usage error (a bad flag or value)
              130  interrupted (SIGINT or SIGTERM); the machine was stopped

            On 1 and 3 the last 30 console lines follow on stderr; on 4, QEMU's own message. See \
            docs/run.md.
            """)

    @Argument(help: "The disk image to boot: raw, qcow2, VMDK or VHD (optional with --kernel).")
    var image: String?

    @Option(help: ArgumentHelp("An Ignition config for the guest (fw_cfg opt/com.coreos/config).", valueName: "file"))
    var config: String?

    @Option(help: "Guest memory: a size like 512MiB or 2GiB (binary units), or a number of MiB.")
    var memory = "2GiB"

    @Option(help: "Number of virtual CPUs.")
    var cpus = 2

    @Option(help: ArgumentHelp("Forward 127.0.0.1:<port> to the guest's SSH port 22.", valueName: "port"))
    var sshPort: Int?

    @Option(
        name: .customLong("forward"),
        help: ArgumentHelp("Forward a host port to a guest port (repeatable).", valueName: "[tcp:|udp:]host:guest"))
    var forwards: [String] = []

    @Option(help: ArgumentHelp("Succeed as soon as the console matches this regular expression.", valueName: "regex"))
    var expect: String?

    @Option(help: ArgumentHelp("Give up after this many seconds (with --expect the default is 300).", valueName: "s"))
    var timeout: Double?

    @Option(
        help: ArgumentHelp(
            "Let the guest reboot this many times: QEMU starts again on the same disk and UEFI variables.",
            valueName: "n"))
    var reboots = 0

    @Flag(help: "Let the guest write to the image itself instead of a throwaway overlay.")
    var persist = false

    @Option(
        help: ArgumentHelp(
            "Boot on a disk this large (like 20GiB): the throwaway overlay is made that size and STATE grows into it.",
            valueName: "size"))
    var diskSize: String?

    @Option(help: "Accelerator: auto, kvm or tcg.")
    var accel: AccelerationOption = .auto

    @Flag(
        help: ArgumentHelp(
            "Boot with Secure Boot enforced: OVMF's Secure Boot build, and Debian's snakeoil key enrolled unless --secure-boot-vars gives another variable store."
        ))
    var secureBoot = false

    @Option(
        help: ArgumentHelp(
            "A UEFI variable store (OVMF_VARS_4M format) holding your keys, for --secure-boot.", valueName: "file"))
    var secureBootVars: String?

    @Option(help: ArgumentHelp("Boot this kernel directly, without UEFI firmware.", valueName: "file"))
    var kernel: String?

    @Option(help: ArgumentHelp("The initrd for --kernel.", valueName: "file"))
    var initrd: String?

    @Option(
        name: .customLong("append"), help: ArgumentHelp("The kernel command line for --kernel.", valueName: "cmdline"))
    var kernelCommandLine: String?

    @Option(help: ArgumentHelp("The QEMU system emulator to run.", valueName: "path"))
    var qemu = "qemu-system-x86_64"

    /// Default bound for `--expect` without `--timeout`: a boot under TCG takes well under a minute.
    static let defaultExpectTimeout: Double = 300

    func validate() throws {
        guard image != nil || kernel != nil else {
            throw ValidationError("give an IMAGE to boot, or --kernel for a direct kernel boot")
        }
        if kernel == nil, initrd != nil || kernelCommandLine != nil {
            throw ValidationError("--initrd and --append only apply with --kernel")
        }
        if persist && image == nil { throw ValidationError("--persist needs an IMAGE to write to") }
        if secureBoot && kernel != nil {
            throw ValidationError("--secure-boot boots through UEFI; it cannot go with --kernel")
        }
        if secureBootVars != nil && !secureBoot {
            throw ValidationError("--secure-boot-vars only applies with --secure-boot")
        }
        if diskSize != nil && (image == nil || persist) {
            throw ValidationError(
                "--disk-size sizes the throwaway overlay of an IMAGE; with --persist, grow the image itself "
                    + "(qemu-img resize IMAGE SIZE)")
        }
        guard (1...255).contains(cpus) else { throw ValidationError("--cpus \(cpus): use 1 to 255") }
        if let timeout, !(timeout > 0) {
            throw ValidationError("--timeout \(timeout): use a positive number of seconds")
        }
        guard (0...100).contains(reboots) else {
            throw ValidationError("--reboots \(reboots): use 0 to 100 reboots")
        }
        if let sshPort, !(1...65535).contains(sshPort) {
            throw ValidationError("--ssh-port \(sshPort): use a port from 1 to 65535")
        }
        _ = try SizeOption.mebibytes(memory, flag: "--memory", minimum: 32)
        if let diskSize { _ = try SizeOption.mebibytes(diskSize, flag: "--disk-size") }
        do {
            for forward in forwards { _ = try PortForward(parsing: forward) }
            if let expect { _ = try ConsolePattern(expect) }
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        for file in [image, kernel].compactMap(\.self) {
            do {
                try finishInterruptedBuild(around: file, command: Self.displayName)
            } catch {
                Self.report("\(error)")
                throw ExitCode(RunExitStatus.qemuFailed)
            }
        }
        var configuration: MachineConfiguration
        let pattern: ConsolePattern?
        do {
            configuration = try makeConfiguration()
            pattern = try expect.map { pattern throws(RunnerError) in try ConsolePattern(pattern) }
        } catch {
            throw error as? ValidationError ?? ValidationError("\(error)")
        }
        // A mistyped path fails now, before the KVM probe (which boots a guest) or QEMU start.
        do {
            try configuration.checkFiles()
        } catch {
            Self.report("\(error)")
            throw ExitCode(RunExitStatus.qemuFailed)
        }
        configuration.acceleration = resolveAcceleration()
        let machine = Machine(configuration, echo: STDOUT_FILENO)
        let interruption = Interruption(machine: machine)
        defer { interruption.cancel() }
        do {
            try machine.start()
        } catch {
            machine.stop()
            if interruption.happened { throw ExitCode(RunExitStatus.interrupted) }
            Self.report("\(error)")
            throw ExitCode(RunExitStatus.qemuFailed)
        }
        let terminal = machine.forwardInput(from: STDIN_FILENO)
        let bound = timeout ?? (pattern == nil ? nil : Self.defaultExpectTimeout)
        let result: RunResult
        do {
            result = try machine.watch(
                expect: pattern, timeout: bound.map { .milliseconds(Int64($0 * 1000)) }, reboots: reboots
            ) { count in
                Self.report("the guest rebooted (\(count) of \(reboots) allowed); starting it again")
            }
        } catch {
            machine.stop()
            terminal.restore()
            if interruption.happened { throw ExitCode(RunExitStatus.interrupted) }
            Self.report("\(error)")
            throw ExitCode(RunExitStatus.qemuFailed)
        }
        machine.stop()
        terminal.restore()
        explain(result, machine: machine, bound: bound, interrupted: interruption.happened)
        throw ExitCode(interruption.happened ? RunExitStatus.interrupted : result.exitStatus)
    }

    /// The machine as the flags describe it; the accelerator is resolved after the files are checked.
    private func makeConfiguration() throws -> MachineConfiguration {
        var configuration = MachineConfiguration(
            memoryMiB: try SizeOption.mebibytes(memory, flag: "--memory", minimum: 32), cpus: cpus,
            network: NetworkOptions(
                sshPort: sshPort,
                forwards: try forwards.map { text throws(RunnerError) in try PortForward(parsing: text) }),
            ignitionConfig: config, qemu: qemu)
        let sizeMiB = try diskSize.map { text in try SizeOption.mebibytes(text, flag: "--disk-size") }
        configuration.disk = image.map { DiskAttachment(path: $0, persist: persist, sizeMiB: sizeMiB) }
        if let kernel {
            configuration.boot = .directKernel(
                DirectKernel(kernel: kernel, initrd: initrd, commandLine: kernelCommandLine))
        } else if secureBoot {
            configuration.boot = .uefi(firmware: .secureBoot(variables: secureBootVars))
        }
        return configuration
    }

    /// Resolves `auto` here so the fallback to TCG is reported once, on stderr.
    private func resolveAcceleration() -> Acceleration {
        switch accel {
        case .kvm: return .kvm
        case .tcg: return .tcg
        case .auto:
            let verdict = KVMProbe.verdict(qemu: qemu)
            if !verdict.usable { Self.report("using TCG emulation (slower): \(verdict.reason)") }
            return verdict.usable ? .kvm : .tcg
        }
    }

    private func explain(_ result: RunResult, machine: Machine, bound: Double?, interrupted: Bool) {
        let seconds = bound.map { String(format: "%g s", $0) } ?? ""
        switch result.outcome {
        case .matched(let match):
            Self.report(String(format: "matched /%@/ after %.1f s", expect ?? "", match.time.secondsValue))
            return
        case .exited(.poweredOff) where expect == nil:
            return
        case .exited(.stopped) where interrupted:
            Self.report("interrupted; the machine was stopped")
            return
        case .exited(.qemuExited(let status)):
            Self.report(
                "QEMU exited with status \(status):\n\(machine.qemuStderr.trimmingCharacters(in: .whitespacesAndNewlines))"
            )
            return
        case .exited(let exit):
            let again =
                exit == .reset && reboots > 0 ? " after \(reboots) allowed reboot\(reboots == 1 ? "" : "s")" : ""
            Self.report(expect.map { "\(exit)\(again) before the console matched /\($0)/" } ?? "\(exit)\(again)")
        case .timedOut:
            Self.report(
                expect.map { "no console match for /\($0)/ within \(seconds)" } ?? "still running after \(seconds)")
        }
        // Taken after stop(): every line echoed to stdout is in the log by then, so the two agree.
        let tail = machine.consoleTail(30)
        let text = (["last \(tail.count) console lines:"] + tail.map { "  | \($0)" }).joined(separator: "\n")
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func report(_ message: String) {
        FileHandle.standardError.write(Data("slipway run: \(message)\n".utf8))
    }
}

/// The `--accel` values.
enum AccelerationOption: String, ExpressibleByArgument, CaseIterable {
    case auto, kvm, tcg
}

/// Stops the machine on SIGINT or SIGTERM, so QEMU never outlives slipway and the run directory is removed.
private final class Interruption: @unchecked Sendable {
    private var sources: [any DispatchSourceSignal] = []
    private let lock = NSLock()
    private var caught = false

    init(machine: Machine) {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in
                self?.lock.withLock { self?.caught = true }
                machine.stop()
            }
            source.resume()
            sources.append(source)
        }
    }

    var happened: Bool { lock.withLock { caught } }

    func cancel() {
        for source in sources { source.cancel() }
        for number in [SIGINT, SIGTERM] { signal(number, SIG_DFL) }
    }
}

extension Duration {
    fileprivate var secondsValue: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
