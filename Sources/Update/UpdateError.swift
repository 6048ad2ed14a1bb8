// Why an update was refused or failed. Every error names what it is about (the payload, the image,
// an ESP path) and the rule that was broken, so the message alone tells a user what to fix.

/// A refused or failed update: `subject` is the file or part it is about, `rule` what went wrong.
public struct UpdateError: Error, Sendable, Equatable, CustomStringConvertible {
    public var subject: String
    public var rule: String

    public init(_ subject: String, _ rule: String) {
        self.subject = subject
        self.rule = rule
    }

    public var description: String { "\(subject): \(rule)" }
}
