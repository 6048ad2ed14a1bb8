/// Everything that can go wrong while preparing, booting or watching a machine.
///
/// Each error names the operation, the file or value involved and what to do next. Errors raised while
/// the guest runs carry the last console lines, so a caller can show what the guest was doing.
public struct RunnerError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is; callers map it to an exit status.
    public enum Kind: Sendable, Equatable {
        /// A setting is unusable (bad port forward, unreadable image, missing firmware...).
        case invalidConfiguration
        /// A console pattern is not a valid regular expression.
        case invalidPattern
        /// QEMU or qemu-img could not be started, or QEMU exited with an error of its own.
        case qemuFailed
        /// The wait ran out before the console matched (or before the guest stopped).
        case timedOut
        /// The guest stopped (powered off, reset, panicked, or was stopped) before the console matched.
        case guestStopped(MachineExit)
        /// Talking to the running machine failed (console input, monitor).
        case io
    }

    public var kind: Kind
    /// The operation that failed, e.g. "create overlay", "wait for console".
    public var operation: String
    /// The file or value the operation was about, if any.
    public var subject: String?
    /// The underlying reason and the suggested fix.
    public var message: String
    /// The last console lines at the time of the failure (empty before the guest started).
    public var consoleTail: [String]

    public init(
        _ kind: Kind, operation: String, subject: String? = nil, message: String, consoleTail: [String] = []
    ) {
        self.kind = kind
        self.operation = operation
        self.subject = subject
        self.message = message
        self.consoleTail = consoleTail
    }

    public var description: String {
        let about = subject.map { " \($0)" } ?? ""
        return "\(operation)\(about): \(message)"
    }
}
