import Foundation

extension Machine {
    /// Every console line so far, the unfinished last line included.
    public var consoleLines: [ConsoleLine] { state.withLock { state.console.lines } }

    /// The console output so far as text, lines joined with "\n".
    public var consoleLog: String { state.withLock { state.console.text } }

    /// The last `count` console lines (default 30), the unfinished one included.
    public func consoleTail(_ count: Int = 30) -> [String] { state.withLock { state.console.tail(count) } }

    /// How the machine ended, or nil while it runs (or before `start()`).
    public var exit: MachineExit? { state.withLock { state.exit } }

    /// Waits until the console matches `pattern` (an ICU regular expression, as NSRegularExpression reads it).
    ///
    /// Matching is expect-style: the search starts just after the previous match, so successive waits
    /// check that lines come in order. A pattern is matched within one line (`^` and `$` are the line's
    /// start and end); the unfinished last line counts too, so a prompt without a newline matches.
    /// Throws `.invalidPattern`, `.timedOut`, or `.guestStopped` with the last console lines.
    public func waitFor(_ pattern: String, timeout: Duration) throws(RunnerError) -> ConsoleMatch {
        try waitFor(ConsolePattern(pattern), timeout: timeout)
    }

    /// Waits until the console matches a compiled pattern; see `waitFor(_:timeout:)` with a pattern string.
    public func waitFor(_ pattern: ConsolePattern, timeout: Duration) throws(RunnerError) -> ConsoleMatch {
        try waitFor(pattern.regex, within: timeout)
    }

    /// `waitFor` with an optional bound: nil waits until the console matches or the machine ends.
    func waitFor(_ regex: NSRegularExpression, within timeout: Duration?) throws(RunnerError) -> ConsoleMatch {
        let outcome: Result<ConsoleMatch, RunnerError> = state.withLock {
            guard state.processStatus != nil || state.running else {
                return .failure(RunnerError(.io, operation: "wait for console", message: "the machine is not started"))
            }
            var scanned = state.cursor.line
            var found: (ConsoleMatch, ConsoleCursor)?
            var exit: MachineExit?
            let done = state.wait(until: state.deadline(after: timeout)) {
                found = state.console.search(regex, from: state.cursor, scanned: &scanned)
                exit = found == nil ? state.exit : nil
                return found != nil || exit != nil
            }
            if let (match, next) = found {
                state.cursor = next
                return .success(match)
            }
            let subject = "/\(regex.pattern)/"
            let tail = state.console.tail(30)
            if done, let exit {
                return .failure(
                    RunnerError(
                        .guestStopped(exit), operation: "wait for console", subject: subject,
                        message: "\(exit) before the console matched", consoleTail: tail))
            }
            return .failure(
                RunnerError(
                    .timedOut, operation: "wait for console", subject: subject,
                    message: "no match within \(timeout.map { "\($0)" } ?? "the wait")", consoleTail: tail))
        }
        return try outcome.get()
    }

    /// Waits up to `timeout` (nil: indefinitely) for QEMU to end; returns how it ended, or nil on timeout.
    public func waitForExit(timeout: Duration?) -> MachineExit? {
        state.withLock {
            _ = state.wait(until: state.deadline(after: timeout)) { state.exit != nil }
            return state.exit
        }
    }

    /// Types `text` into the serial console exactly as given.
    public func send(_ text: String) throws(RunnerError) {
        try writeConsole(Data(text.utf8))
    }

    /// Types `line` and Return (a carriage return, as a terminal sends it) into the serial console.
    public func sendLine(_ line: String) throws(RunnerError) {
        try send(line + "\r")
    }
}

/// A console pattern: an ICU regular expression (the syntax of NSRegularExpression), compiled once.
public struct ConsolePattern: @unchecked Sendable {
    // NSRegularExpression is immutable once made, so sharing it between threads is safe.
    let regex: NSRegularExpression

    /// The pattern as written.
    public var pattern: String { regex.pattern }

    /// Compiles `pattern`; throws `.invalidPattern` naming it when it is not a valid expression.
    public init(_ pattern: String) throws(RunnerError) {
        do {
            regex = try NSRegularExpression(pattern: pattern)
        } catch {
            throw RunnerError(
                .invalidPattern, operation: "compile console pattern", subject: "/\(pattern)/",
                message: "not a valid regular expression (ICU syntax): \(error.localizedDescription)")
        }
    }
}
