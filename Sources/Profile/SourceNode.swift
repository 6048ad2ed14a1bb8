// The YAML tree the decoder works on: Yams' composed nodes, copied into a form that records the
// file of every node (values from several files meet after `extends:`) and treats null uniformly.
import Yams
import YAMLLimits

/// One YAML node with its file, line and column.
struct SourceNode: Sendable {
    enum Kind: Sendable {
        /// A scalar's text exactly as written (no YAML 1.1 conversions: `0644` stays "0644").
        case scalar(String)
        /// `~`, `null` or nothing at all; a null value means "not set" (and resets what a base set).
        case null
        case sequence([SourceNode])
        case mapping([Entry])
    }

    struct Entry: Sendable {
        var key: String
        var keyLocation: SourceLocation
        var value: SourceNode
    }

    var kind: Kind
    var location: SourceLocation
    /// Tagged `!replace`: when merged over a base, this value replaces the base's instead of merging.
    var replaces: Bool = false

    /// How messages name this node's type.
    var typeName: String {
        switch kind {
        case .scalar: "a scalar"
        case .null: "nothing"
        case .sequence: "a list"
        case .mapping: "a mapping"
        }
    }

    var scalar: String? {
        if case .scalar(let text) = kind { return text }
        return nil
    }

    var isNull: Bool {
        if case .null = kind { return true }
        return false
    }

    /// The entry for `key`, if this is a mapping that has one.
    func entry(_ key: String) -> Entry? {
        if case .mapping(let entries) = kind { return entries.first { $0.key == key } }
        return nil
    }
}

extension SourceNode {
    /// Parses one YAML document. Syntax errors come back as problems located in `file`.
    static func parse(yaml: String, file: String) -> Result<SourceNode, ProfileErrors> {
        let start = SourceLocation(file: file, line: 1, column: 1)
        let composed: Node?
        do {
            composed = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            return .failure(ProfileErrors([syntaxProblem(error, file: file)]))
        } catch {
            return .failure(ProfileErrors([problem(start, "invalid YAML: \(error)")]))
        }
        guard let composed else { return .success(SourceNode(kind: .mapping([]), location: start)) }
        if let past = YAMLLimits.nodePastTheLimit(in: composed) {
            return .failure(ProfileErrors([problem(location(of: past, file: file), YAMLLimits.message)]))
        }
        var problems: [ProfileProblem] = []
        let node = convert(composed, file: file, problems: &problems)
        return problems.isEmpty ? .success(node) : .failure(ProfileErrors(problems))
    }

    private static func location(of node: Node, file: String) -> SourceLocation {
        SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
    }

    private static func convert(_ node: Node, file: String, problems: inout [ProfileProblem]) -> SourceNode {
        let location = location(of: node, file: file)
        let replaces = node.tag.rawValue == "!replace"
        switch node {
        case .scalar(let scalar):
            let isNull =
                scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
                || scalar.tag.rawValue == Tag.Name.null.rawValue
            return SourceNode(kind: isNull ? .null : .scalar(scalar.string), location: location, replaces: replaces)
        case .sequence(let sequence):
            let items = sequence.map { convert($0, file: file, problems: &problems) }
            return SourceNode(kind: .sequence(items), location: location, replaces: replaces)
        case .mapping(let mapping):
            var entries: [Entry] = []
            for (key, value) in mapping {
                let keyLocation =
                    key.mark.map { SourceLocation(file: file, line: $0.line, column: $0.column) } ?? location
                guard case .scalar(let keyScalar) = key else {
                    problems.append(problem(keyLocation, "mapping keys must be plain names, not a list or mapping"))
                    continue
                }
                entries.append(
                    Entry(
                        key: keyScalar.string, keyLocation: keyLocation,
                        value: convert(value, file: file, problems: &problems)))
            }
            return SourceNode(kind: .mapping(entries), location: location, replaces: replaces)
        case .alias:
            // Yams resolves aliases while composing; an unresolved one is treated as not set.
            return SourceNode(kind: .null, location: location)
        }
    }

    private static func problem(_ location: SourceLocation, _ message: String) -> ProfileProblem {
        ProfileProblem(location: location, file: location.file, keyPath: "", value: nil, message: message)
    }

    private static func syntaxProblem(_ error: YamlError, file: String) -> ProfileProblem {
        func at(_ mark: Mark) -> SourceLocation { SourceLocation(file: file, line: mark.line, column: mark.column) }
        switch error {
        case .scanner(let context, let text, let mark, _), .parser(let context, let text, let mark, _),
            .composer(let context, let text, let mark, _):
            if text.hasPrefix("Maximum nesting level") {
                // libyaml's text names its own C setter, which a profile's author cannot call.
                return problem(
                    at(mark), "invalid YAML: lists and mappings nested too deep for the YAML reader; flatten them")
            }
            var message = "invalid YAML: \(text)"
            if let context { message += " (\(context.text) at line \(context.mark.line))" }
            return problem(at(mark), message)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map(quoted).joined(separator: ", ")
            return problem(at(context.mark), "duplicate key \(keys): each key may appear once in a mapping")
        case .reader(let text, let offset, _, _):
            return problem(
                SourceLocation(file: file, line: 1, column: 1),
                "cannot read the file as UTF-8 YAML: \(text)" + (offset.map { " at character \($0)" } ?? ""))
        default:
            return problem(SourceLocation(file: file, line: 1, column: 1), "invalid YAML: \(error)")
        }
    }
}
