// Where each profile value came from. Profiles merge values from several files (`extends:`), so a
// location names its file as well as the line and column, and every later stage of a build can point
// its own errors at the line that caused them.

/// A position in a profile file: the file as the user named it (or as reached through `extends:`),
/// and the 1-based line and column (columns count Unicode scalars).
public struct SourceLocation: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `profiles/minimal.yaml:14:5`
    public var description: String { "\(file):\(line):\(column)" }

    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.file, lhs.line, lhs.column) < (rhs.file, rhs.line, rhs.column)
    }
}

/// A value together with the place in a profile that set it. A value the profile left to its
/// default carries the location of the section that would have held it.
public struct Located<Value: Sendable>: Sendable {
    public var value: Value
    public var location: SourceLocation

    public init(_ value: Value, at location: SourceLocation) {
        self.value = value
        self.location = location
    }

    /// The same location with a transformed value.
    public func map<Other>(_ transform: (Value) throws -> Other) rethrows -> Located<Other> {
        Located<Other>(try transform(value), at: location)
    }
}

extension Located: Equatable where Value: Equatable {
    /// Values compare equal when they hold the same value, wherever they were written.
    public static func == (lhs: Located, rhs: Located) -> Bool { lhs.value == rhs.value }
}

extension Located: Hashable where Value: Hashable {
    /// Hashes the value alone, matching `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(value) }
}

extension Located: CustomStringConvertible {
    public var description: String { "\(value)" }
}

extension Profile {
    /// A path on the build host that a profile names (an overlay directory, a tar file, a kernel
    /// image). The profile writes it relative to its own file; the builder reads `absolute`.
    public struct HostPath: Sendable, Hashable, CustomStringConvertible {
        /// The path exactly as written in the profile.
        public var written: String
        /// The path resolved against the directory of the profile file that wrote it, normalized.
        public var absolute: String
        /// The path relative to the directory of the profile that was loaded (the one named on the
        /// command line), or `absolute` when the profile wrote an absolute path. The canonical form
        /// uses it, so the digest does not depend on where the checkout lives.
        public var canonical: String

        public init(written: String, absolute: String, canonical: String) {
            self.written = written
            self.absolute = absolute
            self.canonical = canonical
        }

        public var description: String { written }
    }
}
