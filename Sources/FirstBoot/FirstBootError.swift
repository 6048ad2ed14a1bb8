// The one error type of the FirstBoot module. Every failure names what was being done, the entry
// (config path, file path or URL) and why, and says what to do where that is not obvious.

/// A first-boot failure: decoding, fetching, verifying or applying a config.
public struct FirstBootError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was being done: "decode config", "fetch", "write file", "create user", ...
    public var operation: String
    /// The entry concerned: a JSON path (`$.storage.files.2`), a path in the root, or a URL.
    public var subject: String
    /// Why it failed, and what to do about it.
    public var message: String
    /// For an invalid config: every error and warning found.
    public var diagnostics: [Diagnostic]

    public init(_ operation: String, _ subject: String, _ message: String, diagnostics: [Diagnostic] = []) {
        self.operation = operation
        self.subject = subject
        self.message = message
        self.diagnostics = diagnostics
    }

    public var description: String {
        var text = subject.isEmpty ? "\(operation): \(message)" : "\(operation) \(subject): \(message)"
        for diagnostic in diagnostics where diagnostic.isError {
            text += "\n  \(diagnostic)"
        }
        return text
    }
}
