// The one error type of the Boot module.

/// A failure preparing what boots: the kernel package, its modules, the initramfs or the loader entries.
public struct BootError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What was being done: "read kernel package", "module closure", "write initramfs"...
    public var operation: String
    /// The file, package or module concerned.
    public var subject: String
    /// What is wrong and, where there is one, what to do about it.
    public var message: String

    public init(operation: String, subject: String, message: String) {
        self.operation = operation
        self.subject = subject
        self.message = message
    }

    public var description: String { "\(operation): \(subject): \(message)" }
}
