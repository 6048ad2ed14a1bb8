import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What the reader threads learn about a running QEMU, behind one condition variable.
///
/// The threads hold this object, not the `Machine`, so dropping a `Machine` still runs its `deinit` (which
/// stops QEMU) while they are blocked reading.
final class MachineState: @unchecked Sendable {
    let condition = NSCondition()
    let console = ConsoleBuffer()
    /// Where the next `waitFor` starts: just after the previous match.
    var cursor = ConsoleCursor()
    /// The console pipe reached end of file: every byte QEMU wrote has been recorded.
    var consoleClosed = false
    /// The monitor answered `cont`: the guest is running.
    var running = false
    /// The monitor connection ended.
    var monitorClosed = false
    /// QEMU's exit status, once it exited.
    var processStatus: Int32?
    /// The end the monitor reported (a SHUTDOWN event, a panic, an unrecoverable pause).
    var reported: MachineExit?
    /// `stop()` was called.
    var stopRequested = false

    private let clock = ContinuousClock()
    private var origin: ContinuousClock.Instant

    init() {
        origin = clock.now
    }

    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        condition.lock()
        defer { condition.unlock() }
        return try body()
    }

    /// Changes state under the lock and wakes every waiter.
    func update(_ body: () -> Void) {
        condition.lock()
        body()
        condition.broadcast()
        condition.unlock()
    }

    /// Sets time zero for console timestamps (the moment QEMU is started).
    func markOrigin() { withLock { origin = clock.now } }

    /// Host time since QEMU started.
    var elapsed: Duration { clock.now - origin }

    /// The final exit once QEMU is gone and its output fully read; nil while it runs. Call with the lock held.
    var exit: MachineExit? {
        guard let status = processStatus, consoleClosed else { return nil }
        if let reported { return reported }
        if stopRequested { return .stopped }
        return .qemuExited(status: status)
    }

    /// Waits (lock held) until `ready()` or `deadline`; false on timeout. A nil deadline waits indefinitely.
    func wait(until deadline: ContinuousClock.Instant?, for ready: () -> Bool) -> Bool {
        while !ready() {
            guard let deadline else {
                condition.wait()
                continue
            }
            let left = deadline - clock.now
            if left <= .zero { return false }
            _ = condition.wait(until: Date(timeIntervalSinceNow: left.seconds))
        }
        return true
    }

    func deadline(after timeout: Duration?) -> ContinuousClock.Instant? {
        timeout.map { clock.now + $0 }
    }

    // MARK: Reader threads

    /// Copies QEMU's stdout (the serial console) into the log and to `echo`, until end of file.
    func readConsole(from descriptor: Int32, echo: Int32?) {
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            let bytes = chunk[..<count]
            let now = elapsed
            update { console.append(bytes, at: now) }
            if let echo { Self.write(bytes, to: echo) }
        }
        update { consoleClosed = true }
    }

    /// Writes all of `bytes`; gives up quietly if the descriptor is closed (the console log still has them).
    private static func write(_ bytes: ArraySlice<UInt8>, to descriptor: Int32) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count, let base = raw.baseAddress {
                let written = Glibc.write(descriptor, base + offset, raw.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }

    /// Speaks QMP: negotiates, lets the paused guest run, and records how it ends.
    func readMonitor(_ monitor: MonitorConnection, stopQEMU: @escaping @Sendable () -> Void) {
        defer { update { monitorClosed = true } }
        guard monitor.nextMessage()?["QMP"] != nil else { return }
        monitor.execute("qmp_capabilities", id: "capabilities")
        while let message = monitor.nextMessage() {
            if let id = message["id"] as? String, let answer = message["return"] {
                handleReturn(id: id, answer: answer, monitor: monitor, stopQEMU: stopQEMU)
            } else if let event = message["event"] as? String {
                handleEvent(event, data: message["data"] as? [String: Any], monitor: monitor, stopQEMU: stopQEMU)
            }
        }
    }

    private func handleReturn(
        id: String, answer: Any, monitor: MonitorConnection, stopQEMU: @escaping @Sendable () -> Void
    ) {
        switch id {
        case "capabilities":
            monitor.execute("cont", id: "cont")
        case "cont":
            update { running = true }
        case "status":
            // Run states QEMU never leaves without outside help; see QMP's RunState.
            let fatal: Set = ["internal-error", "io-error", "guest-panicked", "watchdog"]
            if let status = (answer as? [String: Any])?["status"] as? String, fatal.contains(status) {
                update { if reported == nil { reported = .halted(status) } }
                stopQEMU()
            }
        default:
            break
        }
    }

    private func handleEvent(
        _ event: String, data: [String: Any]?, monitor: MonitorConnection, stopQEMU: @escaping @Sendable () -> Void
    ) {
        switch event {
        case "SHUTDOWN":
            guard let cause = data?["reason"] as? String, let exit = MachineExit.fromShutdownCause(cause) else {
                return
            }
            update { if reported == nil { reported = exit } }
        case "GUEST_PANICKED":
            update { if reported == nil { reported = .panicked } }
            stopQEMU()
        case "STOP":
            // A pause nobody asked for: find out whether QEMU can ever continue.
            monitor.execute("query-status", id: "status")
        default:
            break
        }
    }
}

extension Duration {
    /// The duration in seconds as a floating-point number.
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
