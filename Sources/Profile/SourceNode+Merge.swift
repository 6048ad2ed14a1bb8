// `extends:` merging, done on the YAML trees before decoding so that every value keeps the file and
// line it came from. The rules (docs/profile.md, "extends"):
//   - mappings merge key by key, recursively;
//   - lists append: the base's items, then the extending profile's;
//   - scalars (and any change of type) override: the extending profile's value wins;
//   - a null value (`key: ~` or `key:` with nothing) resets the key to its default;
//   - a value tagged `!replace` replaces the base's value instead of merging with it;
//   - alternatives exclude each other: setting `kernel.files` drops a base's `kernel.package`, and
//     an image's `archive` drops a base's `layers` (and the other way round).

extension SourceNode {
    /// Mappings whose keys are names the user chooses (users, containers, images, variables): their
    /// children share one schema path, written `*`.
    static let namedMaps: Set<String> = [
        "users", "groups", "system", "images", "system.*.environment", "images.*.env", "system.*.image.env",
    ]

    /// Keys of one mapping that exclude each other, by schema path.
    static let alternatives: [String: [[String]]] = [
        "kernel": [["package", "files"]],
        "images.*": [["layers", "archive"]],
        "system.*.image": [["layers", "archive"]],
    ]

    /// The schema path of `key` inside the mapping at `path`.
    static func childPath(_ path: String, key: String) -> String {
        if namedMaps.contains(path) { return path + ".*" }
        return path.isEmpty ? key : path + "." + key
    }

    /// `override` applied over `base` (see the rules above). `path` is the schema path of both.
    static func merge(_ base: SourceNode, _ override: SourceNode, path: String = "") -> SourceNode {
        if override.replaces { return override }
        switch (base.kind, override.kind) {
        case (.mapping(let baseEntries), .mapping(let overrideEntries)):
            let overrideKeys = Set(overrideEntries.map(\.key))
            var dropped: Set<String> = []
            for group in alternatives[path] ?? [] where !overrideKeys.isDisjoint(with: group) {
                dropped.formUnion(Set(group).subtracting(overrideKeys))
            }
            var entries = baseEntries.filter { !dropped.contains($0.key) }
            for entry in overrideEntries {
                if let index = entries.firstIndex(where: { $0.key == entry.key }) {
                    let merged = merge(entries[index].value, entry.value, path: childPath(path, key: entry.key))
                    entries[index] = Entry(key: entry.key, keyLocation: entry.keyLocation, value: merged)
                } else {
                    entries.append(entry)
                }
            }
            return SourceNode(kind: .mapping(entries), location: override.location)
        case (.sequence(let baseItems), .sequence(let overrideItems)):
            return SourceNode(kind: .sequence(baseItems + overrideItems), location: override.location)
        default:
            return override
        }
    }

    /// This mapping without `key` (used to take `extends` out before merging).
    func removing(_ key: String) -> SourceNode {
        guard case .mapping(let entries) = kind else { return self }
        return SourceNode(kind: .mapping(entries.filter { $0.key != key }), location: location, replaces: replaces)
    }
}
