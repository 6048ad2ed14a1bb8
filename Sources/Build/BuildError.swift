// The one error type of the build pipeline; errors of the modules it drives pass through unchanged.

/// A failure of the pipeline itself, naming the operation, the path and what to do.
public struct BuildError: Error, CustomStringConvertible, Sendable {
    public var operation: String
    public var path: String
    public var message: String

    public init(operation: String, path: String, message: String) {
        self.operation = operation
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(operation): \(message)" }
}
