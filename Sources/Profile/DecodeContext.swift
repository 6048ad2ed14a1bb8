// The decoding primitives: read a mapping while rejecting unknown keys, read typed scalars and lists,
// and collect every problem instead of stopping at the first. Section decoders
// (`Profile+Decode*.swift`) are built from these.
import Foundation

/// A key path in a profile, rendered like `root.layers[2].overlay` (indices count from 0).
struct FieldPath: CustomStringConvertible {
    enum Component {
        case key(String)
        case index(Int)
    }

    var components: [Component] = []

    func key(_ key: String) -> FieldPath { FieldPath(components: components + [.key(key)]) }
    func index(_ index: Int) -> FieldPath { FieldPath(components: components + [.index(index)]) }

    var description: String {
        var text = ""
        for component in components {
            switch component {
            case .index(let index): text += "[\(index)]"
            case .key(let key):
                let plain =
                    !key.isEmpty
                    && key.unicodeScalars.allSatisfy {
                        CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_"
                    }
                if plain {
                    text += (text.isEmpty ? "" : ".") + key
                } else {
                    text += "[\(quoted(key))]"
                }
            }
        }
        return text
    }
}

/// The keys of one mapping, after unknown keys were reported.
struct Fields {
    let node: SourceNode
    let path: FieldPath
    let entries: [SourceNode.Entry]

    var location: SourceLocation { node.location }

    /// The value of `key`, or nil when the key is absent or null.
    subscript(key: String) -> SourceNode? {
        guard let entry = entries.first(where: { $0.key == key }), !entry.value.isNull else { return nil }
        return entry.value
    }

    func has(_ key: String) -> Bool { self[key] != nil }

    /// Where `key` is written (its key, not its value), or the mapping's own location.
    func keyLocation(_ key: String) -> SourceLocation {
        entries.first { $0.key == key }?.keyLocation ?? node.location
    }
}

/// Decoding state: the problems found so far and what is needed to resolve host paths.
final class DecodeContext {
    private(set) var problems: [ProfileProblem] = []
    /// The directory of the loaded profile: canonical host paths are relative to it.
    let rootDirectory: String
    /// The absolute directory of each file, by the name locations use.
    let directories: [String: String]

    init(rootDirectory: String, directories: [String: String]) {
        self.rootDirectory = rootDirectory
        self.directories = directories
    }

    func report(_ location: SourceLocation, _ path: FieldPath, value: String? = nil, _ message: String) {
        problems.append(
            ProfileProblem(
                location: location, file: location.file, keyPath: path.description, value: value,
                message: message))
    }

    func report(_ node: SourceNode, _ path: FieldPath, _ message: String) {
        report(node.location, path, value: node.scalar, message)
    }

    // MARK: Mappings

    /// `node` as a mapping whose keys must be among `keys`. Unknown keys are reported with the
    /// closest known key as a suggestion; nil (reported) when `node` is not a mapping.
    func mapping(_ node: SourceNode, _ path: FieldPath, keys: [String]) -> Fields? {
        guard case .mapping(let entries) = node.kind else {
            report(node, path, "expected a mapping, found \(node.typeName)")
            return nil
        }
        for entry in entries where !keys.contains(entry.key) {
            report(entry.keyLocation, path.key(entry.key), unknownKeyMessage(entry.key, known: keys))
        }
        return Fields(node: node, path: path, entries: entries.filter { keys.contains($0.key) })
    }

    /// The entries of a mapping whose keys are names (`users:`, `system:`), each name checked by `rule`.
    func namedEntries(_ node: SourceNode?, _ path: FieldPath, rule: Rule) -> [(
        name: Located<String>, value: SourceNode, path: FieldPath
    )] {
        guard let node else { return [] }
        guard case .mapping(let entries) = node.kind else {
            report(node, path, "expected a mapping of names, found \(node.typeName)")
            return []
        }
        var result: [(Located<String>, SourceNode, FieldPath)] = []
        for entry in entries {
            let entryPath = path.key(entry.key)
            if let message = rule.check(entry.key) {
                report(entry.keyLocation, entryPath, value: entry.key, message)
                continue
            }
            if entry.value.isNull { continue }  // reset by an extending profile
            result.append((Located(entry.key, at: entry.keyLocation), entry.value, entryPath))
        }
        return result
    }

    /// Reports that `first` and `second` were both given, at the second one.
    func exclusive(_ fields: Fields, _ keys: [String]) {
        let present = keys.filter { fields.has($0) }
        guard present.count > 1 else { return }
        let names = present.map(quoted)
        let list = names.count == 2 ? "\(names[0]) and \(names[1])" : names.joined(separator: ", ")
        report(fields.keyLocation(present[1]), fields.path, "\(list) cannot be used together; keep one")
    }

    func missing(_ fields: Fields, _ key: String) {
        let entry = fields.entries.first { $0.key == key }
        if let entry {
            report(entry.keyLocation, fields.path.key(key), "needs a value")
        } else {
            report(fields.location, fields.path, "missing required key \(quoted(key))")
        }
    }

    // MARK: Scalars

    /// A scalar parsed by `parse`, which returns the error message for a bad value.
    func scalar<Value>(
        _ node: SourceNode?, _ path: FieldPath, expected: String, _ parse: (String) -> Result<Value, Rule.Failure>
    ) -> Located<Value>? {
        guard let node else { return nil }
        guard let text = node.scalar else {
            report(node, path, "\(expected), found \(node.typeName)")
            return nil
        }
        switch parse(text) {
        case .success(let value): return Located(value, at: node.location)
        case .failure(let failure):
            report(node.location, path, value: text, failure.message)
            return nil
        }
    }

    func string(_ node: SourceNode?, _ path: FieldPath, _ rule: Rule = .any) -> Located<String>? {
        scalar(node, path, expected: "expected a string") { text in
            rule.check(text).map { .failure(Rule.Failure($0)) } ?? .success(text)
        }
    }

    func bool(_ node: SourceNode?, _ path: FieldPath) -> Located<Bool>? {
        scalar(node, path, expected: "expected true or false") { text in
            switch text {
            case "true": .success(true)
            case "false": .success(false)
            default: .failure(Rule.Failure("expected true or false"))
            }
        }
    }

    func id(_ node: SourceNode?, _ path: FieldPath) -> Located<UInt32>? {
        scalar(node, path, expected: "expected a number") { text in
            guard text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = UInt32(text), value < UInt32.max else {
                return .failure(Rule.Failure("expected a number from 0 to 4294967294"))
            }
            return .success(value)
        }
    }

    func choice<Value: RawRepresentable & CaseIterable>(_ node: SourceNode?, _ path: FieldPath) -> Located<Value>?
    where Value.RawValue == String {
        let rule = "expected one of: " + Value.allCases.map(\.rawValue).joined(separator: ", ")
        return scalar(node, path, expected: rule) { text in
            Value(rawValue: text).map { .success($0) }
                ?? .failure(Rule.Failure(EditDistance.choiceProblem(text, among: Value.self)))
        }
    }

    // MARK: Lists

    /// The items of a list, each with its path. Nil node gives an empty list.
    func list(_ node: SourceNode?, _ path: FieldPath) -> [(node: SourceNode, path: FieldPath)] {
        guard let node else { return [] }
        guard case .sequence(let items) = node.kind else {
            report(node, path, "expected a list, found \(node.typeName)")
            return []
        }
        return items.enumerated().map { ($0.element, path.index($0.offset)) }
    }

    /// A list of strings, each checked by `rule`; null items are reported.
    func strings(_ node: SourceNode?, _ path: FieldPath, _ rule: Rule = .any) -> [Located<String>] {
        list(node, path).compactMap { item in
            if item.node.isNull {
                report(item.node, item.path, "an item of this list is empty; remove it or give it a value")
                return nil
            }
            return string(item.node, item.path, rule)
        }
    }

    // MARK: Host paths

    enum PathKind {
        case file, directory, fileOrDirectory
        /// A regular file (not a directory, device, FIFO or socket) that this process can read.
        case readableFile
    }

    /// A path on the build host, resolved against the directory of the file that wrote it. Reports
    /// a path that does not exist or has the wrong type.
    func hostPath(_ node: SourceNode?, _ path: FieldPath, _ kind: PathKind) -> Located<Profile.HostPath>? {
        guard let written = string(node, path, .nonEmpty), let node else { return nil }
        let base = directories[node.location.file] ?? rootDirectory
        let absolute = PathText.normalize(written.value.hasPrefix("/") ? written.value : base + "/" + written.value)
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory)
        let expected: String
        switch kind {
        case .file, .readableFile: expected = "file"
        case .directory: expected = "directory"
        case .fileOrDirectory: expected = "file or directory"
        }
        if !exists {
            report(node.location, path, value: written.value, "no such \(expected) (looked for \(absolute))")
        } else if (kind == .file || kind == .readableFile) && isDirectory.boolValue {
            report(node.location, path, value: written.value, "expected a file, found a directory at \(absolute)")
        } else if kind == .directory && !isDirectory.boolValue {
            report(node.location, path, value: written.value, "expected a directory, found a file at \(absolute)")
        } else if kind == .readableFile, let problem = Self.unreadable(absolute) {
            report(node.location, path, value: written.value, problem)
        }
        // Written absolute stays absolute: relative to the checkout it would depend on where that is.
        let canonical = written.value.hasPrefix("/") ? absolute : PathText.relative(absolute, from: rootDirectory)
        return Located(
            Profile.HostPath(written: written.value, absolute: absolute, canonical: canonical), at: node.location)
    }

    /// Why the existing non-directory at `absolute` is no readable regular file, or nil when it is one.
    private static func unreadable(_ absolute: String) -> String? {
        var info = stat()
        guard stat(absolute, &info) == 0 else {
            return "cannot inspect \(absolute): \(String(cString: strerror(errno)))"
        }
        let kinds: [mode_t: String] = [
            S_IFIFO: "a FIFO", S_IFCHR: "a character device", S_IFBLK: "a block device", S_IFSOCK: "a socket",
        ]
        let type = info.st_mode & S_IFMT
        if type != S_IFREG {
            return "expected a regular file, found \(kinds[type] ?? "a special file") at \(absolute)"
        }
        if !FileManager.default.isReadableFile(atPath: absolute) {
            return "cannot read the file at \(absolute) (permission denied); "
                + "make it readable by the user running slipway"
        }
        return nil
    }

    // MARK: Suggestions

    private func unknownKeyMessage(_ key: String, known: [String]) -> String {
        if let suggestion = EditDistance.closest(to: key, among: known) {
            return "unknown key; did you mean \(quoted(suggestion))?"
        }
        return "unknown key; expected one of: " + known.joined(separator: ", ")
    }
}
