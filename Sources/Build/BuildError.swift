// The one error type of the build pipeline; errors of the modules it drives pass through unchanged,
// except where the build finds a profile value wrong: that is reported at the value's key.
import Profile

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

/// A value of the profile that the build found wrong (a partition too small for what it must hold, a
/// kernel configuration that unpacks no initrd format the build writes), reported like the profile's
/// own problems: `p.yaml:12:9: disk.esp "40MiB": ...`. A value the profile left to its default is
/// reported at the section that would have held it.
func profileProblem<Value>(_ value: Located<Value>, key: String, shown: String, _ message: String) -> ProfileErrors {
    ProfileErrors([
        ProfileProblem(
            location: value.location, file: value.location.file, keyPath: key, value: shown, message: message)
    ])
}
