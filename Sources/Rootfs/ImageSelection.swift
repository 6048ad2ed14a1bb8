// Picking one image of the several an archive may hold: a `docker save` archive's manifest.json
// lists images with their tags, an OCI layout's index.json lists manifests with their ref-name
// annotations. Both pick the same way and word their errors the same way.

enum ImageSelection {
    /// How a document lists its images, for the errors: `manifest.json has no image tagged "x"
    /// (tags: ...)`, `index.json lists 2 manifests; name one with a reference (names: ...)`.
    struct Wording {
        var document: String
        var noun: String
        var verb: String
        var names: String
    }

    /// The first candidate with a name in `accepted` (the spellings of `reference`), or without a
    /// reference the only candidate. Errors list the names there are.
    static func choose<Candidate>(
        _ candidates: [Candidate], names: (Candidate) -> [String], reference: String?, accepted: [String],
        wording: Wording, label: String
    ) throws -> Candidate {
        let all = candidates.flatMap(names)
        let known = all.isEmpty ? "none" : all.map(quoted).joined(separator: ", ")
        if let reference {
            guard let match = candidates.first(where: { !Set(names($0)).isDisjoint(with: accepted) }) else {
                throw RootfsError(
                    layer: label,
                    rule: .layout(
                        "\(wording.document) has no \(wording.noun) \(wording.verb) \(quoted(reference)) "
                            + "(\(wording.names): \(known))"))
            }
            return match
        }
        guard candidates.count == 1, let only = candidates.first else {
            let rule =
                candidates.isEmpty
                ? "\(wording.document) lists no \(wording.noun)s"
                : "\(wording.document) lists \(candidates.count) \(wording.noun)s; name one with a reference "
                    + "(\(wording.names): \(known))"
            throw RootfsError(layer: label, rule: .layout(rule))
        }
        return only
    }
}
