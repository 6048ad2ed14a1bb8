// The one error type of the Profile module: every problem found in a profile, reported together so
// that a user fixes them in one pass instead of one per run.
import Quoting

/// One problem in a profile: where it is, which key, the offending value and the rule it breaks.
public struct ProfileProblem: Sendable, Hashable, CustomStringConvertible {
    /// Where the problem is. `nil` only when the file could not be read at all; then `file` names it.
    public var location: SourceLocation?
    /// The file, also set when there is no line and column.
    public var file: String
    /// The key path, like `disk.esp` or `root.layers[2].overlay` (list indices count from 0);
    /// empty for problems that concern the whole file (syntax errors).
    public var keyPath: String
    /// The offending scalar value, when there is one.
    public var value: String?
    /// What is wrong and what to do about it.
    public var message: String

    public init(location: SourceLocation?, file: String, keyPath: String, value: String?, message: String) {
        self.location = location
        self.file = file
        self.keyPath = keyPath
        self.value = value
        self.message = message
    }

    /// `profiles/x.yaml:14:5: disk.esp "12X": expected a size like 512MiB or 2GiB`
    public var description: String {
        var text = location.map { "\($0): " } ?? "\(file): "
        var subject = keyPath
        if let value { subject += subject.isEmpty ? quoted(value) : " " + quoted(value) }
        if !subject.isEmpty { text += subject + ": " }
        return text + message
    }
}

/// Everything wrong with a profile, in file and line order. Thrown by `Profile.load(path:)`.
public struct ProfileErrors: Error, Sendable, CustomStringConvertible {
    public var problems: [ProfileProblem]

    public init(_ problems: [ProfileProblem]) {
        self.problems = problems
    }

    /// One problem per line.
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// A value in double quotes with quotes, backslashes and control characters escaped, as messages show it.
func quoted(_ text: String) -> String { Quoting.doubleQuoted(text) }
