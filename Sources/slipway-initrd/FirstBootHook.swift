// The first-boot configuration step, run with the new root mounted and writable where it must be
// (/etc through its overlay, /var and /home from STATE), before the switch to the system's init:
// find the config (FirstBootSources), validate, resolve and check it, apply it with the FirstBoot
// library, write its kernel arguments into the booted slot's boot entry if the command line lacks
// them (BootEntryUpdate), and record the result in /etc/.slipway-firstboot.json. A record with a
// final outcome (applied, no-config) makes later boots skip the step; a failed one is tried again.
// After kernel arguments were written the caller reboots, so the system starts with them.
import FirstBoot
import Glibc

/// Why the first boot failed; printed as `slipway-initrd: first boot failed: <source>: <entry>: <reason>`.
struct FirstBootFailure: Error {
    var source: String
    var entry: String
    var reason: String
    /// Further lines printed below the first (every validation error).
    var details: [String] = []

    var summary: String { "\(source): \(entry): \(reason)" }

    /// A library error, placed: `entry` is the config entry, URL or path it names.
    init(source: String, _ error: FirstBootError) {
        self.source = source
        let errors = error.diagnostics.filter(\.isError)
        if let first = errors.first {
            entry = first.path.description
            reason =
                first.message + (first.position.map { " (line \($0.line), column \($0.column))" } ?? "")
                + (errors.count > 1 ? "; \(errors.count - 1) more error\(errors.count == 2 ? "" : "s") below" : "")
            details = error.diagnostics.map(\.description)
        } else if error.subject.isEmpty || error.subject == source {
            entry = error.operation
            reason = error.message
        } else {
            entry = error.subject
            reason = "\(error.operation): \(error.message)"
        }
    }

    init(source: String, entry: String, reason: String) {
        self.source = source
        self.entry = entry
        self.reason = reason
    }
}

enum FirstBootHook {
    enum Outcome {
        /// A previous boot already did it.
        case skipped
        case applied
        case noConfig
        /// Applied, and the kernel arguments were written to the boot entry: reboot to use them.
        case reboot
    }

    /// What has been learned so far, for the record.
    private struct Progress {
        var source: String?
        var digest: String?
        var warnings: [String] = []
        var kernelArguments = KernelArguments()
    }

    /// Runs the step unless the root's record says it is done. On failure the failed outcome is
    /// recorded before the error is thrown.
    static func run(root: String, rootDevice: BlockDevice, commandLine: String, timeoutSeconds: Int)
        throws(FirstBootFailure) -> Outcome
    {
        let recordPath = root + FirstBootRecord.path
        if System.exists(recordPath) {
            let record: FirstBootRecord
            do {
                record = try FirstBootRecord(parsing: try System.readFile(recordPath))
            } catch let error as FirstBootError {
                throw FirstBootFailure(source: FirstBootRecord.path, error)
            } catch {
                let reason = (error as? InitrdError)?.message ?? "\(error)"
                throw FirstBootFailure(
                    source: FirstBootRecord.path, entry: "read", reason: "\(reason); delete it to run first boot again")
            }
            if record.outcome.isFinal {
                Console.log(
                    "first-boot config \(record.outcome == .applied ? "applied" : "looked for") on \(record.time)"
                        + (record.source.map { " from \($0)" } ?? ", none found") + "; not run again")
                return .skipped
            }
            Console.log("first boot: the attempt of \(record.time) failed; trying again")
        }
        Network.shared.timeout = Double(timeoutSeconds)
        defer {
            FirstBootSources.cleanUp()
            Network.shared.tearDown()
        }
        var progress = Progress()
        let outcome: Outcome
        var bootEntry: BootEntryUpdate.Applied?
        do {
            outcome = try configure(root: root, commandLine: commandLine, progress: &progress)
            if outcome == .applied {
                bootEntry = try applyKernelArguments(
                    progress.kernelArguments, commandLine: commandLine, rootDevice: rootDevice)
            }
        } catch {
            let record = FirstBootRecord(
                time: FirstBootRecord.now(), uptime: Console.uptime(), outcome: .failed, source: progress.source,
                digest: progress.digest, warnings: progress.warnings, error: "first boot failed: \(error.summary)",
                kernelArguments: progress.kernelArguments)
            do {
                try writeRecord(root: root, record)
            } catch {
                Console.error("could not record the failure in \(FirstBootRecord.path): \(error.message)")
            }
            throw error
        }
        do {
            try writeRecord(
                root: root,
                FirstBootRecord(
                    time: FirstBootRecord.now(), uptime: Console.uptime(),
                    outcome: outcome == .applied ? .applied : .noConfig, source: progress.source,
                    digest: progress.digest, warnings: progress.warnings, kernelArguments: progress.kernelArguments))
        } catch {
            // Without the record the next boot would apply the config again.
            throw FirstBootFailure(source: FirstBootRecord.path, entry: "write", reason: error.message)
        }
        Console.log("first boot: recorded in \(FirstBootRecord.path)")
        if let bootEntry {
            Console.log(
                "first boot: kernel arguments applied to \(bootEntry.entryPath): \(bootEntry.edit.summary); rebooting")
            return .reboot
        }
        return outcome
    }

    /// Writes the requested kernel arguments to the boot entry when the running kernel lacks them.
    private static func applyKernelArguments(
        _ arguments: KernelArguments, commandLine: String, rootDevice: BlockDevice
    ) throws(FirstBootFailure) -> BootEntryUpdate.Applied? {
        if arguments.isEmpty { return nil }
        guard let applied = try BootEntryUpdate.apply(arguments, commandLine: commandLine, root: rootDevice) else {
            Console.log(
                "first boot: kernel arguments already satisfied by the command line (add "
                    + "[\(arguments.shouldExist.joined(separator: " "))] remove "
                    + "[\(arguments.shouldNotExist.joined(separator: " "))]); nothing to change")
            return nil
        }
        return applied
    }

    private static func configure(root: String, commandLine: String, progress: inout Progress)
        throws(FirstBootFailure) -> Outcome
    {
        let platform = Platform.current(commandLine: commandLine)
        Console.log("first boot: platform \(platform.rawValue) (\(platformOrigin(commandLine, platform)))")

        // 1. Find the config.
        var found: (source: String, bytes: [UInt8])?
        for candidate in FirstBootSources.list(
            root: root, platform: platform, commandLine: commandLine, network: Network.shared)
        {
            do throws(FirstBootError) {
                if let reason = try candidate.prepare() {
                    Console.log("first boot: \(candidate.name): none (\(reason))")
                    continue
                }
                guard let bytes = try candidate.source.fetch() else {
                    Console.log("first boot: \(candidate.name): none")
                    continue
                }
                found = (candidate.name, bytes)
                break
            } catch {
                progress.source = candidate.name
                throw FirstBootFailure(source: candidate.name, error)
            }
        }
        guard let (source, bytes) = found else {
            Console.log("first boot: no config from any source; nothing to apply")
            return .noConfig
        }
        let digest = FirstBootRecord.digest(of: bytes)
        progress.source = source
        progress.digest = digest
        Console.log("first boot: config from \(source): \(bytes.count) bytes, \(digest.prefix(19))…")

        // 2. Validate, fetch what it references, check it fits the system, apply.
        let start = Console.uptime()
        let fetcher = NetworkFetcher(network: Network.shared, root: root)
        do throws(FirstBootError) {
            let (config, diagnostics) = try ConfigParser.parseValid(bytes, source: source)
            progress.warnings = diagnostics.map(\.description)
            progress.kernelArguments = config.kernelArguments
            var warnings: [String] = []
            let resolved = try ConfigResolver(fetcher: fetcher, defaultTotalSeconds: 120).resolve(
                config, warnings: &warnings)
            progress.warnings += warnings
            progress.kernelArguments = resolved.kernelArguments
            Console.log(
                "first boot: config valid (spec \(resolved.version?.description ?? "?"), "
                    + "\(progress.warnings.count) warning\(progress.warnings.count == 1 ? "" : "s"))")
            for warning in progress.warnings { Console.log("first boot: warning: \(warning)") }
            // Disks and filesystems first, as in Ignition: the files may go into the filesystems.
            let storage = try StorageSetup.apply(resolved, root: root)
            defer { storage.release() }
            try FirstBootPreflight.check(resolved, root: root)
            let report = try ConfigApplier.apply(
                resolved, root: root,
                options: ApplyOptions(fetcher: fetcher, defaultTotalSeconds: 120, devicesSetUp: true))
            progress.warnings += report.warnings
            for warning in report.warnings { Console.log("first boot: warning: \(warning)") }
            let shown = report.written.prefix(8).joined(separator: " ")
            Console.log(
                "first boot: applied in \(Int((Console.uptime() - start) * 1000)) ms, \(report.written.count) "
                    + "written: \(shown)\(report.written.count > 8 ? " …" : "")")
        } catch {
            throw FirstBootFailure(source: source, error)
        }
        return .applied
    }

    private static func platformOrigin(_ commandLine: String, _ platform: Platform) -> String {
        for key in ["slipway.platform", "ignition.platform.id"] {
            guard let value = KernelCommandLine.value(of: key, in: commandLine) else { continue }
            return Platform.named(value) != nil
                ? "\(key)=\(value)"
                : "\(key)=\(value) is not one of \(Platform.names); detected"
        }
        return "detected"
    }

    /// Writes the record beside its place and renames it there, so a crash leaves the old one or the new one.
    private static func writeRecord(root: String, _ record: FirstBootRecord) throws(InitrdError) {
        let path = root + FirstBootRecord.path
        do {
            try System.writeFile(path + ".new", record.serialized())
        } catch let error as InitrdError {
            throw error
        } catch {
            throw InitrdError("\(error)")
        }
        guard rename(path + ".new", path) == 0 else {
            throw InitrdError("rename \(path).new to \(path): \(System.reason())")
        }
        sync()
    }
}
