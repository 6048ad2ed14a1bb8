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

    /// `watch(expect:timeout:)` that lets the guest reboot up to `reboots` times: each time it ends with
    /// `.reset` (a reboot, or a Linux panic with `panic=-1`) while reboots are left, `onReboot` is called
    /// with the count so far and the machine is restarted on the same disk and firmware variables
    /// (`restart()`). `expect` keeps matching across restarts, from where it stood; `timeout` bounds the
    /// whole watch. Throws what `restart()` throws when QEMU cannot be started again.
    public func watch(
        expect: ConsolePattern?, timeout: Duration?, reboots: Int, onReboot: (Int) -> Void = { _ in }
    ) throws(RunnerError) -> RunResult {
        let clock = ContinuousClock()
        let deadline = timeout.map { clock.now + $0 }
        var rebooted = 0
        while true {
            let left = deadline.map { max($0 - clock.now, .zero) }
            let result = watch(expect: expect, timeout: left)
            guard case .exited(.reset) = result.outcome, rebooted < reboots else { return result }
            rebooted += 1
            onReboot(rebooted)
            try restart()
        }
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
