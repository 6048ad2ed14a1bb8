// Progress of long work: a live line on a terminal, nothing in CI or when output is piped.
import Foundation

/// Receives the build's progress. The CLI picks an implementation; tests pass `SilentProgress`.
public protocol ProgressReporter: Sendable {
    /// A new phase started ("resolve packages", "write root filesystem").
    func phase(_ name: String)
    /// Work within the current phase: `done` of `total` units (total 0 when unknown).
    func advance(_ detail: String, done: Int, total: Int)
    /// A phase ended; `summary` is shown on a terminal.
    func finish(_ summary: String)
}

/// Reports nothing.
public struct SilentProgress: ProgressReporter {
    public init() {}
    public func phase(_ name: String) {}
    public func advance(_ detail: String, done: Int, total: Int) {}
    public func finish(_ summary: String) {}
}

/// Writes progress to standard error: a rewritten status line on a terminal, plain phase lines otherwise.
public final class TerminalProgress: ProgressReporter, @unchecked Sendable {
    private let interactive: Bool
    private let lock = NSLock()
    private var current = ""
    private var started = Date()

    /// Interactive only when stderr is a terminal and CI is not set.
    public init(forceQuiet: Bool = false) {
        let ci = ProcessInfo.processInfo.environment["CI"].map { !$0.isEmpty && $0 != "false" } ?? false
        interactive = !forceQuiet && !ci && isatty(STDERR_FILENO) == 1
    }

    public func phase(_ name: String) {
        lock.withLock {
            current = name
            started = Date()
            if interactive { write("\r\u{1B}[2K\(name)…") }
        }
    }

    public func advance(_ detail: String, done: Int, total: Int) {
        guard interactive else { return }
        lock.withLock {
            let count = total > 0 ? " \(done)/\(total)" : ""
            write("\r\u{1B}[2K\(current)\(count) \(detail.prefix(60))")
        }
    }

    public func finish(_ summary: String) {
        lock.withLock {
            let seconds = String(format: "%.1fs", Date().timeIntervalSince(started))
            if interactive {
                write("\r\u{1B}[2K\(current): \(summary) (\(seconds))\n")
            }
        }
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
