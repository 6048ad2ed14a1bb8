/// Why a machine is no longer running, as QEMU's monitor and exit status tell it.
public enum MachineExit: Sendable, Equatable, CustomStringConvertible {
    /// The guest powered off (ACPI power-off, `poweroff -f`).
    case poweredOff
    /// The guest rebooted or reset: a reboot, a triple fault, or a Linux panic with `panic=-1`.
    /// QEMU runs with `-no-reboot`, so a reset ends the run.
    case reset
    /// The guest reported a panic to QEMU (pvpanic).
    case panicked
    /// QEMU paused the guest on its own and it can never continue; the value is QEMU's run state:
    /// `internal-error` (the accelerator could not run the guest), `io-error`, `guest-panicked`...
    case halted(String)
    /// The host stopped the machine: `Machine.stop()`, or a signal to QEMU.
    case stopped
    /// QEMU ended without a guest shutdown: it failed to start or crashed. Its stderr says why.
    case qemuExited(status: Int32)

    public var description: String {
        switch self {
        case .poweredOff: "the guest powered off"
        case .reset: "the guest rebooted or reset (QEMU runs with -no-reboot)"
        case .panicked: "the guest panicked"
        case .halted(let state): "QEMU halted the guest (\(state))"
        case .stopped: "the machine was stopped from the host"
        case .qemuExited(let status): "QEMU exited with status \(status)"
        }
    }

    /// Maps QEMU's SHUTDOWN event reason (QMP `ShutdownCause`) to an exit, nil for reasons that are not final.
    static func fromShutdownCause(_ cause: String) -> MachineExit? {
        switch cause {
        case "guest-shutdown": .poweredOff
        case "guest-reset", "subsystem-reset": .reset
        case "guest-panic": .panicked
        case "host-signal", "host-qmp-quit", "host-ui", "host-qmp-system-reset": .stopped
        default: nil
        }
    }
}

/// The exit statuses of `slipway run`.
public enum RunExitStatus {
    /// `--expect` matched, or (without `--expect`) the guest powered off.
    public static let success: Int32 = 0
    /// `--timeout` passed before the console matched, or before the guest powered off.
    public static let timedOut: Int32 = 1
    /// The command line was wrong: ArgumentParser's usage status, EX_USAGE.
    public static let usage: Int32 = 2
    /// The guest stopped before the console matched, or ended other than by powering off.
    public static let guestStopped: Int32 = 3
    /// QEMU could not start or run the machine (missing binary, firmware or image, bad options, a crash).
    public static let qemuFailed: Int32 = 4
    /// Interrupted by SIGINT or SIGTERM (128 + SIGINT, as shells report it).
    public static let interrupted: Int32 = 130
}
