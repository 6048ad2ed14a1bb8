// Relationship fields of a binary package (Depends, Pre-Depends, Provides...), Debian Policy §7.1:
// a comma-separated list of clauses, each a "|"-separated list of alternatives
// `name[:arch] [(op version)]`.

/// One alternative of a relationship clause, such as `libc6 (>= 2.34)` or `python3:any`.
public struct PackageRelation: Sendable, Hashable, CustomStringConvertible {
    /// A version comparison; `<` and `>` are the obsolete spellings of `<=` and `>=`.
    public enum Comparison: String, Sendable, Hashable {
        case earlier = "<<"
        case earlierOrEqual = "<="
        case equal = "="
        case laterOrEqual = ">="
        case later = ">>"
    }

    /// A version requirement such as `>= 2.34`.
    public struct VersionConstraint: Sendable, Hashable {
        public var comparison: Comparison
        public var version: String
        public init(_ comparison: Comparison, _ version: String) {
            self.comparison = comparison
            self.version = version
        }
    }

    public var name: String
    /// An architecture qualifier (`any`, `native`, `amd64`), or nil.
    public var architecture: String?
    /// The version requirement, or nil when any version satisfies it.
    public var constraint: VersionConstraint?

    public init(name: String, architecture: String? = nil, constraint: VersionConstraint? = nil) {
        self.name = name
        self.architecture = architecture
        self.constraint = constraint
    }

    public var description: String {
        var text = name
        if let architecture { text += ":\(architecture)" }
        if let constraint { text += " (\(constraint.comparison.rawValue) \(constraint.version))" }
        return text
    }

    /// Parses a relationship field into clauses of alternatives. `field` and `source` name it in errors.
    public static func parseList(_ text: String, field: String, source: String) throws -> [[PackageRelation]] {
        let flat = text.split(whereSeparator: { $0 == "\n" }).joined(separator: " ")
        if flat.allSatisfy({ $0 == " " || $0 == "\t" }) { return [] }
        return try flat.split(separator: ",", omittingEmptySubsequences: false).map { clause in
            try clause.split(separator: "|", omittingEmptySubsequences: false).map { alternative in
                try parse(alternative.trimmingSpaces, field: field, source: source)
            }
        }
    }

    private static func parse(_ text: String, field: String, source: String) throws -> PackageRelation {
        func bad(_ rule: String) -> PackagesError {
            PackagesError(package: source, operation: "parse control", message: "\(field): \"\(text)\": \(rule)")
        }
        var rest = Substring(text)
        let nameEnd = rest.firstIndex { $0 == " " || $0 == "(" || $0 == ":" || $0 == "[" || $0 == "<" } ?? rest.endIndex
        let name = String(rest[..<nameEnd])
        let nameCharacters = Set("abcdefghijklmnopqrstuvwxyz0123456789+-.")
        guard name.count >= 2, name.allSatisfy(nameCharacters.contains),
            name.first?.isLetter == true || name.first?.isNumber == true
        else {
            throw bad("expected a package name (at least two of a-z 0-9 + - ., starting alphanumeric)")
        }
        var relation = PackageRelation(name: name)
        rest = rest[nameEnd...]
        if rest.first == ":" {
            let archEnd = rest.dropFirst().firstIndex { $0 == " " || $0 == "(" } ?? rest.endIndex
            let arch = String(rest[rest.index(after: rest.startIndex)..<archEnd])
            guard !arch.isEmpty else { throw bad("empty architecture qualifier after ':'") }
            relation.architecture = arch
            rest = rest[archEnd...]
        }
        rest = rest.drop { $0 == " " || $0 == "\t" }
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { throw bad("unclosed '(' in the version constraint") }
            let inner = rest[rest.index(after: rest.startIndex)..<close].trimmingSpaces
            let opEnd = inner.firstIndex { !"<>=".contains($0) } ?? inner.endIndex
            let op = String(inner[..<opEnd])
            let comparison: Comparison? =
                switch op {
                case "<": .earlierOrEqual
                case ">": .laterOrEqual
                default: Comparison(rawValue: op)
                }
            let version = inner[opEnd...].trimmingSpaces
            guard let comparison else { throw bad("unknown comparison \"\(op)\" (expected << <= = >= >>)") }
            guard !version.isEmpty, !version.contains(" ") else { throw bad("expected one version after \(op)") }
            relation.constraint = VersionConstraint(comparison, version)
            rest = rest[rest.index(after: close)...].drop { $0 == " " || $0 == "\t" }
        }
        guard rest.isEmpty else {
            throw bad("unexpected \"\(rest)\" (architecture lists and build profiles belong in source packages)")
        }
        return relation
    }
}
