import Foundation

/// The verdict of watching a machine the way `slipway run` does.
public struct RunResult: Sendable, Equatable {
    /// What ended the watch.
    public enum Outcome: Sendable, Equatable {
        /// The console matched the expected pattern.
        case matched(ConsoleMatch)
        /// The machine ended before a match (or, without a pattern, ended at all).
        case exited(MachineExit)
        /// The timeout passed first.
        case timedOut
    }

    public var outcome: Outcome
    /// The status `slipway run` exits with; see `RunExitStatus`.
    public var exitStatus: Int32
    /// The last console lines when the watch ended.
    public var consoleTail: [String]
}

extension Machine {
    /// Watches a started machine until `expect` matches, the guest ends, or `timeout` passes.
    ///
    /// With `expect`: a match is success, the guest ending first is `guestStopped`. Without: the guest
    /// powering off is success and any other end is `guestStopped`. A nil `timeout` waits without bound
    /// (an interactive run); the machine keeps running after the watch, so call `stop()`.
    public func watch(expect: ConsolePattern?, timeout: Duration?) -> RunResult {
        let outcome: RunResult.Outcome
        if let expect {
            do {
                outcome = .matched(try waitFor(expect.regex, within: timeout))
            } catch {
                switch error.kind {
                case .guestStopped(let exit): outcome = .exited(exit)
                default: outcome = .timedOut
                }
            }
        } else if let exit = waitForExit(timeout: timeout) {
            outcome = .exited(exit)
        } else {
            outcome = .timedOut
        }
        return RunResult(
            outcome: outcome, exitStatus: Self.exitStatus(outcome, expecting: expect != nil),
            consoleTail: consoleTail(30))
    }

    /// The `slipway run` exit status for an outcome, with or without an expected pattern.
    public static func exitStatus(_ outcome: RunResult.Outcome, expecting: Bool) -> Int32 {
        switch outcome {
        case .matched: RunExitStatus.success
        case .exited(.poweredOff) where !expecting: RunExitStatus.success
        case .timedOut: RunExitStatus.timedOut
        case .exited(.stopped): RunExitStatus.interrupted
        case .exited(.qemuExited): RunExitStatus.qemuFailed
        case .exited: RunExitStatus.guestStopped
        }
    }
}
