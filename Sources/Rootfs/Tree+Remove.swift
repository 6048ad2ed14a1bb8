// Trimming a merged tree with path patterns (a profile's `root.remove`), e.g. documentation.

extension Tree {
    /// Removes every entry whose absolute path matches one of `patterns` and returns how many
    /// entries (subtrees counted once) went. Patterns are absolute: `*` and `?` match within one
    /// component, `**` matches any number of components (so `/usr/share/doc/**` empties the
    /// directory but keeps it, and `/usr/share/doc` removes it).
    @discardableResult
    public func remove(matching patterns: [String]) -> Int {
        let compiled = patterns.map { TreePath.components($0) }
        var removed = 0
        func visit(_ directory: Node, _ path: [String]) {
            for name in directory.sortedNames {
                guard let child = directory.entries[name] else { continue }
                let childPath = path + [name]
                if compiled.contains(where: { PathPattern.matches($0[...], childPath[...]) }) {
                    directory.entries.removeValue(forKey: name)
                    removed += 1
                } else if child.isDirectory {
                    visit(child, childPath)
                }
            }
        }
        visit(root, [])
        return removed
    }
}

/// Matching of component lists against patterns with `*`, `?` and `**`.
enum PathPattern {
    static func matches(_ pattern: ArraySlice<String>, _ path: ArraySlice<String>) -> Bool {
        guard let first = pattern.first else { return path.isEmpty }
        if first == "**" {
            // `**` as the last component matches one or more components below.
            if pattern.count == 1 { return !path.isEmpty }
            for start in path.indices where matches(pattern.dropFirst(), path[start...]) { return true }
            return false
        }
        guard let name = path.first, component(Array(first.utf8)[...], Array(name.utf8)[...]) else { return false }
        return matches(pattern.dropFirst(), path.dropFirst())
    }

    /// `*` any run of bytes, `?` one byte, anything else itself.
    static func component(_ pattern: ArraySlice<UInt8>, _ name: ArraySlice<UInt8>) -> Bool {
        guard let head = pattern.first else { return name.isEmpty }
        switch head {
        case UInt8(ascii: "*"):
            var rest = name
            while true {
                if component(pattern.dropFirst(), rest) { return true }
                if rest.isEmpty { return false }
                rest = rest.dropFirst()
            }
        case UInt8(ascii: "?"):
            return !name.isEmpty && component(pattern.dropFirst(), name.dropFirst())
        default:
            return name.first == head && component(pattern.dropFirst(), name.dropFirst())
        }
    }
}
