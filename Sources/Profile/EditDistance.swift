// Suggestions for misspelled keys and names: the candidate with the smallest edit distance, when
// it is close enough to read as a typo. The command line suggests subcommands with it too.

/// Closest-spelling suggestions for misspelt keys, names and commands.
public enum EditDistance {
    /// Optimal-string-alignment distance: insertions, deletions, substitutions and transpositions of
    /// neighbours each cost 1 (`lgo` is one step from `log`). Compared case-insensitively, so
    /// `Kernel` suggests `kernel`.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.lowercased().unicodeScalars), b = Array(b.lowercased().unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        // rows[i][j]: distance between the first i scalars of a and the first j of b.
        var rows = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { rows[i][0] = i }
        for j in 0...b.count { rows[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var best = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    best = min(best, rows[i - 2][j - 2] + 1)
                }
                rows[i][j] = best
            }
        }
        return rows[a.count][b.count]
    }

    /// The closest candidate within a distance that still reads as a typo: none for words of one
    /// or two characters (every short word is close to every other), 1 up to 4 characters, 2 up
    /// to 8, 3 beyond. Ties go to the earlier candidate.
    public static func closest(to word: String, among candidates: [String]) -> String? {
        let limit = word.count <= 2 ? 0 : word.count <= 4 ? 1 : word.count <= 8 ? 2 : 3
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let d = distance(word, candidate)
            if d <= limit, d < (best?.distance ?? Int.max) { best = (candidate, d) }
        }
        return best?.candidate ?? sharedComponents(word, candidates)
    }

    /// A key that a longer spelling extends by whole words: `oem-size` → `oem`, `size-limit` → `size`.
    private static func sharedComponents(_ word: String, _ candidates: [String]) -> String? {
        let parts = word.lowercased().split { $0 == "-" || $0 == "_" }
        guard parts.count > 1 else { return nil }
        return candidates.first { candidate in
            let candidateParts = candidate.split(separator: "-")
            return candidateParts.count < parts.count && Array(parts.prefix(candidateParts.count)) == candidateParts
        }
    }

    /// What is wrong with `text` as one of `Value`'s names: the names allowed, and the nearest as a
    /// suggestion when `text` reads as its typo (`gcp` for `gce`). The profile and the command line
    /// (`slipway build --platform`) say it the same way.
    public static func choiceProblem<Value: RawRepresentable & CaseIterable>(_ text: String, among _: Value.Type)
        -> String
    where Value.RawValue == String {
        let names = Value.allCases.map(\.rawValue)
        let rule = "expected one of: " + names.joined(separator: ", ")
        return closest(to: text, among: names).map { rule + "; did you mean \"\($0)\"?" } ?? rule
    }
}
