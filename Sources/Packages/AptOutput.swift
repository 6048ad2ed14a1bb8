// Reading apt-get's messages: its errors ("E: ..."), warnings ("W: ...") and the package they name.

/// The diagnostic lines of one apt-get run.
struct AptOutput {
    /// "E:" lines without the prefix, in order.
    var errors: [String]
    /// "W:" lines without the prefix.
    var warnings: [String]
    /// Lines of standard output that explain unmet dependencies (" foo : Depends: bar but ...").
    var explanations: [String]

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
