// Reading apt-get's messages: its errors ("E: ..."), warnings ("W: ...") and the package they name.

/// The diagnostic lines of one apt-get run.
struct AptOutput {
    /// "E:" lines without the prefix, in order.
    var errors: [String]
    /// "W:" lines without the prefix.
    var warnings: [String]
    /// Lines of standard output that explain unmet dependencies (" foo : Depends: bar but ...").
    var explanations: [String]
    /// The explanations taken apart, in the order apt printed them.
    var unmet: [UnmetRelation]

    init(_ result: SubprocessResult) {
        var errors: [String] = []
        var warnings: [String] = []
        for line in result.stderr.split(separator: "\n") {
            if line.hasPrefix("E: ") {
                errors.append(String(line.dropFirst(3)))
            } else if line.hasPrefix("W: ") {
                warnings.append(String(line.dropFirst(3)))
            }
        }
        self.errors = errors
        self.warnings = warnings
        explanations = result.stdout.split(separator: "\n").map { $0.trimmingSpaces }.filter {
            $0.contains(" : Depends: ") || $0.contains(" : PreDepends: ") || $0.contains(" : Breaks: ")
                || $0.contains(" : Conflicts: ") || $0.hasPrefix("Depends: ") || $0.hasPrefix("PreDepends: ")
        }
        unmet = Self.unmetRelations(in: explanations)
        if errors.isEmpty, result.status != 0 {
            let last = result.stderr.split(separator: "\n").last.map(String.init)
            self.errors = [last ?? "apt-get exited with status \(result.status) and no message"]
        }
    }

    /// apt's errors joined into one line.
    var errorSummary: String {
        (errors + explanations).joined(separator: "; ")
    }

    /// The package an apt error is about, when its message names one.
    var namedPackage: String? {
        for error in errors {
            for (prefix, end) in Self.patterns {
                guard let start = error.range(of: prefix) else { continue }
                let rest = error[start.upperBound...]
                let name = end.isEmpty ? rest : rest.prefix { !end.contains($0) }
                if !name.isEmpty { return String(name) }
            }
        }
        return nil
    }

    /// Reads apt's "X : Depends: Y but it is not installable" lines. A package with several unmet
    /// relations is named once; the lines after it start with the relation ("Depends: Z but ...").
    static func unmetRelations(in explanations: [String]) -> [UnmetRelation] {
        var relations: [UnmetRelation] = []
        var package: String?
        for line in explanations {
            var rest = Substring(line)
            if let separator = line.range(of: " : ") {
                package = String(line[..<separator.lowerBound])
                rest = line[separator.upperBound...]
            }
            guard let package, let colon = rest.range(of: ": ") else { continue }
            let kind = String(rest[..<colon.lowerBound])
            let relation = rest[colon.upperBound...]
            let (target, reason) =
                relation.range(of: " but ").map {
                    (String(relation[..<$0.lowerBound]), String(relation[$0.upperBound...]))
                } ?? (String(relation), "")
            relations.append(UnmetRelation(package: package, kind: kind, target: target, reason: reason))
        }
        return relations
    }

    /// Message fragments of apt 2.x that are followed by a package name, and what ends the name.
    private static let patterns: [(String, Set<Character>)] = [
        ("Unable to locate package ", []),
        ("Package '", ["'"]),
        ("' for '", ["'"]),
        ("Couldn't find any package by glob '", ["'"]),
        ("Couldn't find any package by regex '", ["'"]),
    ]
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !blank($0) }), let last = lastIndex(where: { !blank($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}

/// One relation apt could not satisfy, as apt explains it:
/// `local-app : Depends: local-missing (>= 2) but it is not installable`.
struct UnmetRelation: Equatable {
    /// The package whose relation failed (`local-app`).
    var package: String
    /// `Depends`, `PreDepends`, `Breaks` or `Conflicts`.
    var kind: String
    /// What it relates to, with the version constraint (`local-missing (>= 2)`).
    var target: String
    /// apt's reason after "but" (`it is not installable`, `it is not going to be installed`,
    /// `1.0 is to be installed`); empty when apt gave none.
    var reason: String

    /// The package name in `target`, without version, architecture or alternatives.
    var targetName: String {
        String(target.prefix { $0 != " " && $0 != ":" && $0 != "|" })
    }

    /// True when the target exists but cannot be installed itself: apt names the reason only when
    /// asked about the target alone.
    var targetIsBlocked: Bool { reason == "it is not going to be installed" }
}
