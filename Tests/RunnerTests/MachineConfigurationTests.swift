import Testing

@testable import Runner

@Suite struct MachineConfigurationTests {
    @Test(arguments: [
        ("8080:80", PortForward(hostPort: 8080, guestPort: 80)),
        ("tcp:2222:22", PortForward(hostPort: 2222, guestPort: 22)),
        ("udp:5353:53", PortForward(transport: .udp, hostPort: 5353, guestPort: 53)),
        ("UDP:1:65535", PortForward(transport: .udp, hostPort: 1, guestPort: 65535)),
    ])
    func parsesForwards(text: String, expected: PortForward) throws {
        #expect(try PortForward(parsing: text) == expected)
    }

    @Test(arguments: [
        ("8080", "expected HOST:GUEST"),
        ("a:b:c:d", "expected HOST:GUEST"),
        ("sctp:1:2", "unknown transport \"sctp\""),
        ("0:80", "ports must be numbers from 1 to 65535"),
        ("8080:65536", "ports must be numbers from 1 to 65535"),
        ("x:80", "ports must be numbers from 1 to 65535"),
        (":80", "ports must be numbers from 1 to 65535"),
    ])
    func rejectsBadForwards(text: String, rule: String) {
        #expect {
            try PortForward(parsing: text)
        } throws: { error in
            guard let error = error as? RunnerError else { return false }
            return error.kind == .invalidConfiguration && error.subject == "\"\(text)\"" && error.message.contains(rule)
        }
    }

    @Test func sshForwardComesFirst() {
        let network = NetworkOptions(sshPort: 2200, forwards: [PortForward(hostPort: 8080, guestPort: 80)])
        #expect(network.allForwards.map(\.guestPort) == [22, 80])
    }

    @Test(arguments: [
        ("guest-shutdown", MachineExit.poweredOff), ("guest-reset", .reset), ("guest-panic", .panicked),
        ("host-signal", .stopped), ("host-qmp-quit", .stopped),
    ])
    func shutdownCauses(cause: String, exit: MachineExit) {
        #expect(MachineExit.fromShutdownCause(cause) == exit)
    }

    @Test func unknownShutdownCauseIsNotFinal() {
        #expect(MachineExit.fromShutdownCause("snapshot-load") == nil)
    }

    @Test(arguments: [
        (RunResult.Outcome.timedOut, false, RunExitStatus.timedOut),
        (.timedOut, true, RunExitStatus.timedOut),
        (.exited(.poweredOff), false, RunExitStatus.success),
        (.exited(.poweredOff), true, RunExitStatus.guestStopped),
        (.exited(.reset), false, RunExitStatus.guestStopped),
        (.exited(.panicked), true, RunExitStatus.guestStopped),
        (.exited(.halted("internal-error")), false, RunExitStatus.guestStopped),
        (.exited(.stopped), true, RunExitStatus.interrupted),
        (.exited(.qemuExited(status: 1)), false, RunExitStatus.qemuFailed),
    ])
    func exitStatuses(outcome: RunResult.Outcome, expecting: Bool, status: Int32) {
        #expect(Machine.exitStatus(outcome, expecting: expecting) == status)
    }
}
