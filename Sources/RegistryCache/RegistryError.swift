// Why the registry could not be used. A build never fails on one of these: the cache turns it into
// a one-line notice and builds locally.

/// A registry request that failed: the operation, what it was about and the reason.
public struct RegistryError: Error, CustomStringConvertible, Sendable {
    /// What was being done: "pull blob", "push manifest", "reach the registry".
    public var operation: String
    /// The blob digest, tag or URL concerned.
    public var subject: String
    public var reason: String
    /// True when the registry as a whole is unusable (unreachable, refusing, erroring), false when
    /// only this entry is (a blob whose bytes do not match its digest).
    public var isFatal: Bool

    public init(operation: String, subject: String, reason: String, isFatal: Bool = true) {
        self.operation = operation
        self.subject = subject
        self.reason = reason
        self.isFatal = isFatal
    }

    public var description: String { "\(operation) \(subject): \(reason)" }
}
