import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A QEMU virtual machine with its serial console captured: the harness every boot test uses.
///
/// ```swift
/// let machine = Machine(MachineConfiguration(disk: DiskAttachment(path: "out/minimal.img")))
/// try machine.start()
/// defer { machine.stop() }
/// let ready = try machine.waitFor("slipway: ready", timeout: .seconds(120))
/// print("ready after \(ready.time)")
/// ```
///
/// QEMU starts paused and runs the guest only once slipway is connected to its monitor (QMP), so how the
/// guest ends (power-off, reset, panic, an accelerator failure) is always known. Every wait is bounded by a
/// timeout; a reader thread records console output as it arrives, with host timestamps.
public final class Machine: @unchecked Sendable {
    /// What this machine boots.
    public let configuration: MachineConfiguration
    /// How long `start()` waits for QEMU to bring the guest up before giving up.
    public var startupTimeout: Duration = .seconds(60)

    let state = MachineState()
    private let echo: Int32?
    private let lifecycle = NSLock()
    private var process: Process?
    private var input: FileHandle?
    private var monitor: MonitorConnection?
    private var directory: RunDirectory?
    private var launch: (accelerator: Accelerator, command: [String])?
    private var savedStderr: String?
    private var lastMonitorSocket: String?

    /// A machine that is not started yet. Console output is also written to the file descriptor `echo`
    /// (e.g. `STDOUT_FILENO`) as it arrives, if given.
    public init(_ configuration: MachineConfiguration, echo: Int32? = nil) {
        self.configuration = configuration
        self.echo = echo
    }

    deinit { stop() }

    /// The accelerator in use, once started.
    public var accelerator: Accelerator? { lifecycle.withLock { launch?.accelerator } }

    /// The full QEMU command line (program first), once started.
    public var commandLine: [String] { lifecycle.withLock { launch?.command ?? [] } }

    /// Prepares the run directory (overlay, firmware variables), starts QEMU and lets the guest run.
    ///
    /// Returns once the guest is running. Throws `.invalidConfiguration` for unusable settings and
    /// `.qemuFailed` with QEMU's own message if it cannot start (missing binary, bad image, bad options).
    public func start() throws(RunnerError) {
        lifecycle.lock()
        guard process == nil else {
            lifecycle.unlock()
            throw RunnerError(.invalidConfiguration, operation: "start machine", message: "it was already started")
        }
        let directory: RunDirectory
        do {
            try validate()
            let accelerator = resolveAccelerator()
            let qemu = try Executable.find(configuration.qemu, package: "qemu-system-x86")
            directory = try RunDirectory()
            self.directory = directory
            let plan = try makePlan(accelerator: accelerator, directory: directory)
            let arguments = QEMUCommand.arguments(configuration: configuration, plan: plan)
            launch = (accelerator, [qemu] + arguments)
            lastMonitorSocket = plan.monitorSocket
            state.markOrigin()
            try spawn(qemu, arguments, directory: directory, socket: plan.monitorSocket ?? "")
        } catch {
            lifecycle.unlock()
            stop()
            throw error
        }
        lifecycle.unlock()
        try awaitRunning()
    }

    /// Starts QEMU again after the guest ended on its own, on the same run directory: the same disk overlay
    /// (or image) and the same copy of the firmware variable store, so what the guest wrote carries over
    /// (its files, systemd-boot's boot counting, EFI variables). This is how a guest reboot is continued:
    /// QEMU runs with `-no-reboot`, so a reboot ends the process.
    ///
    /// The console log goes on (an unfinished last line is ended first) with the same clock, and the next
    /// `waitFor` searches from where the previous one stopped. Throws `.invalidConfiguration` when the
    /// machine was never started, is still running or was stopped, and `.qemuFailed` like `start()`.
    public func restart() throws(RunnerError) {
        lifecycle.lock()
        func refuse(_ message: String) -> RunnerError {
            RunnerError(.invalidConfiguration, operation: "restart machine", message: message)
        }
        guard let directory, let launch, let socket = lastMonitorSocket, process != nil else {
            lifecycle.unlock()
            throw refuse("it was not started, or it was stopped")
        }
        // The old QEMU must be entirely gone: exited, its console read to the end, its monitor closed.
        let ended = state.withLock {
            state.wait(until: state.deadline(after: .seconds(10))) { state.exit != nil && state.monitorClosed }
        }
        let stopped = state.withLock { state.stopRequested }
        guard ended, !stopped else {
            lifecycle.unlock()
            throw refuse(stopped ? "it was stopped from the host" : "it is still running")
        }
        state.update {
            state.console.endLine()
            state.processStatus = nil
            state.consoleClosed = false
            state.running = false
            state.monitorClosed = false
            state.reported = nil
        }
        unlink(socket)
        do {
            try spawn(launch.command[0], Array(launch.command.dropFirst()), directory: directory, socket: socket)
        } catch {
            lifecycle.unlock()
            stop()
            throw error
        }
        lifecycle.unlock()
        try awaitRunning()
    }

    /// Stops QEMU if it still runs (SIGTERM, then SIGKILL), waits for it, and removes the run directory.
    /// Safe to call more than once and from any thread.
    public func stop() {
        lifecycle.lock()
        defer { lifecycle.unlock() }
        if let process {
            state.update { if state.processStatus == nil { state.stopRequested = true } }
            terminate(process)
            monitor?.close()
            _ = state.withLock { state.wait(until: state.deadline(after: .seconds(5))) { state.consoleClosed } }
        }
        if let directory {
            savedStderr = savedStderr ?? (try? String(contentsOfFile: directory.file("qemu.stderr"), encoding: .utf8))
            directory.remove()
            self.directory = nil
        }
    }

    /// What QEMU wrote to stderr so far (its warnings and errors).
    public var qemuStderr: String {
        lifecycle.withLock {
            if let savedStderr { return savedStderr }
            guard let directory else { return "" }
            return (try? String(contentsOfFile: directory.file("qemu.stderr"), encoding: .utf8)) ?? ""
        }
    }

    // MARK: Starting

    private func validate() throws(RunnerError) {
        func invalid(_ subject: String, _ message: String) -> RunnerError {
            RunnerError(.invalidConfiguration, operation: "configure machine", subject: subject, message: message)
        }
        guard configuration.memoryMiB >= 32 else { throw invalid("memory", "at least 32 MiB is needed") }
        guard (1...255).contains(configuration.cpus) else { throw invalid("cpus", "use 1 to 255 CPUs") }
        try configuration.checkFiles()
    }

    private func resolveAccelerator() -> Accelerator {
        switch configuration.acceleration {
        case .kvm: .kvm
        case .tcg: .tcg
        case .auto: KVMProbe.verdict(qemu: configuration.qemu).usable ? .kvm : .tcg
        }
    }

    private func makePlan(accelerator: Accelerator, directory: RunDirectory) throws(RunnerError) -> LaunchPlan {
        var plan = LaunchPlan(accelerator: accelerator, monitorSocket: directory.file("qmp.sock"))
        if case .uefi(let chosen) = configuration.boot {
            guard let firmware = chosen ?? Firmware.locate() else { throw Firmware.notFound() }
            plan.firmware = try directory.privateFirmware(firmware)
        }
        if let disk = configuration.disk {
            plan.disk = try directory.disk(for: disk, qemuImg: configuration.qemuImg)
        }
        return plan
    }

    private func spawn(_ qemu: String, _ arguments: [String], directory: RunDirectory, socket: String)
        throws(RunnerError)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: qemu)
        process.arguments = arguments
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        let stderrPath = directory.file("qemu.stderr")
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        process.terminationHandler = { [state] finished in
            state.update { state.processStatus = finished.terminationStatus }
        }
        // A write to the console after QEMU died must fail with EPIPE, not kill this process.
        signal(SIGPIPE, SIG_IGN)
        do {
            try Self.launchWithSignalsUnblocked(process)
        } catch {
            throw RunnerError(.qemuFailed, operation: "start QEMU", subject: qemu, message: "\(error)")
        }
        self.process = process
        self.input = input.fileHandleForWriting
        let reading = output.fileHandleForReading
        Thread.detachNewThread { [state, echo] in
            state.readConsole(from: reading.fileDescriptor, echo: echo)
            try? reading.close()
        }
        let monitor = try connectMonitor(socket, stderrPath: stderrPath)
        self.monitor = monitor
        let pid = process.processIdentifier
        Thread.detachNewThread { [state] in
            state.readMonitor(monitor) {
                if state.withLock({ state.processStatus == nil }) { kill(pid, SIGTERM) }
            }
        }
    }

    /// Starts `process` from a fresh thread whose signal mask is empty.
    ///
    /// A child inherits the signal mask of the thread that spawns it, and Swift concurrency and Dispatch
    /// threads block nearly every signal: a QEMU started from one of them ignores SIGTERM.
    private static func launchWithSignalsUnblocked(_ process: Process) throws {
        final class Outcome: @unchecked Sendable { var error: (any Error)? }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            var none = sigset_t()
            sigemptyset(&none)
            pthread_sigmask(SIG_SETMASK, &none, nil)
            do { try process.run() } catch { outcome.error = error }
            done.signal()
        }
        done.wait()
        if let error = outcome.error { throw error }
    }

    /// QEMU creates the socket early in its startup; retry until it listens, QEMU exits, or time runs out.
    private func connectMonitor(_ socket: String, stderrPath: String) throws(RunnerError) -> MonitorConnection {
        let deadline = state.deadline(after: startupTimeout)
        while true {
            if let connection = try MonitorConnection.connect(path: socket) { return connection }
            let gone = state.withLock {
                state.wait(until: ContinuousClock.now + .milliseconds(10)) { state.processStatus != nil }
            }
            if gone { throw startFailure("QEMU exited before its monitor came up", stderr: stderrPath) }
            if let deadline, ContinuousClock.now >= deadline {
                throw startFailure("QEMU's monitor did not come up within \(startupTimeout)", stderr: stderrPath)
            }
        }
    }

    private func awaitRunning() throws(RunnerError) {
        let deadline = state.deadline(after: startupTimeout)
        let running = state.withLock {
            _ = state.wait(until: deadline) { state.running || state.processStatus != nil || state.monitorClosed }
            return state.running
        }
        guard running else {
            let error = startFailure(
                "QEMU did not start the guest", stderr: lifecycle.withLock { directory?.file("qemu.stderr") })
            stop()
            throw error
        }
    }

    /// The error for a QEMU that did not come up, with what it wrote to stderr. Reads the file directly:
    /// callers may hold `lifecycle`.
    private func startFailure(_ what: String, stderr path: String?) -> RunnerError {
        _ = state.withLock { state.wait(until: state.deadline(after: .seconds(5))) { state.processStatus != nil } }
        let status = state.withLock { state.processStatus }.map { " (status \($0))" } ?? ""
        let stderr = path.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) }?.trimmed ?? ""
        return RunnerError(
            .qemuFailed, operation: "start QEMU", subject: configuration.qemu,
            message: "\(what)\(status)" + (stderr.isEmpty ? "" : ":\n\(stderr)"))
    }

    private func terminate(_ process: Process) {
        for signal in [SIGTERM, SIGKILL] {
            if state.withLock({ state.processStatus != nil }) { return }
            kill(process.processIdentifier, signal)
            let exited = state.withLock {
                state.wait(until: state.deadline(after: .seconds(5))) { state.processStatus != nil }
            }
            if exited { return }
        }
    }

    func writeConsole(_ data: Data) throws(RunnerError) {
        guard let input = lifecycle.withLock({ input }) else {
            throw RunnerError(.io, operation: "write to console", message: "the machine is not started")
        }
        do {
            try input.write(contentsOf: data)
        } catch {
            throw RunnerError(.io, operation: "write to console", message: "QEMU no longer reads its console: \(error)")
        }
    }
}
