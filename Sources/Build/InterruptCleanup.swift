// What an interrupted `slipway build` does: on SIGINT (Ctrl-C) or SIGTERM (kill, timeout) it
// removes every temporary the build registered (TemporaryRegistry) and exits with 128 + the
// signal's number, saying that the previous outputs are as they were.
//
// No work happens in a C signal handler, where only async-signal-safe calls are allowed: the
// signals' default action is replaced by "ignore" and each is delivered to a Dispatch signal source,
// whose handler runs on an ordinary thread and may take locks and allocate. A signal the process
// was started with ignored (a background job of a non-interactive shell ignores SIGINT) stays
// ignored, as whoever started it asked.
import Foundation
import TemporaryFiles

/// Removes the build's temporaries and exits when SIGINT or SIGTERM arrives. One per process.
public final class InterruptCleanup {
    private let sources: [any DispatchSourceSignal]

    /// Starts watching for SIGINT and SIGTERM; `outputDirectory` is named in the message.
    public init(outputDirectory: String) {
        let queue = DispatchQueue(label: "slipway.interrupt")
        sources = [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")].compactMap { number, name in
            guard !Self.ignoreDefault(number) else { return nil }
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { Self.exit(signal: number, name: name, outputDirectory: outputDirectory) }
            source.resume()
            return source
        }
    }

    deinit {
        for source in sources { source.cancel() }
    }

    /// Records that the outputs have been renamed into place, which changes what an interruption
    /// from then on reports. Called by `StagedOutputs.commit` with the registry's lock held.
    static func noteOutputsCommitted() { committed.withLock { $0 = true } }

    private static let committed = LockedValue(false)

    /// Sets `number` to be ignored and returns whether it already was.
    private static func ignoreDefault(_ number: Int32) -> Bool {
        let previous = signal(number, SIG_IGN)
        let ignored = unsafeBitCast(previous, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self)
        return ignored
    }

    private static func exit(signal number: Int32, name: String, outputDirectory: String) -> Never {
        // Holds the registry's lock until the process ends: nothing registers a new temporary after
        // this, and a commit under way finishes first.
        let freed = TemporaryRegistry.shared.removeAllForExit()
        let removed = "removed its temporary files (\(String(format: "%.1f", Double(freed) / Double(1 << 20))) MiB)"
        let text =
            committed.withLock { $0 }
            ? "slipway build: interrupted by \(name) after the new outputs were in place in \(outputDirectory); "
                + removed
            : "slipway build: interrupted by \(name); \(removed); the outputs in \(outputDirectory) are as they "
                + "were before this build"
        // Over a live progress line on a terminal, not after it.
        let line = (isatty(STDERR_FILENO) == 1 ? "\r\u{1B}[2K" : "") + text + "\n"
        FileHandle.standardError.write(Data(line.utf8))
        // _exit, not exit: other threads are still building, and exit's clean-up (atexit handlers,
        // static destructors) would run under them.
        _exit(128 + number)
    }
}

/// A value behind a lock.
final class LockedValue<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()

    init(_ value: Value) { self.value = value }

    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        lock.withLock { body(&value) }
    }
}
