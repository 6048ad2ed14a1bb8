// The YAML tree the decoder works on: Yams' composed nodes, copied into a form that records the
// file of every node (values from several files meet after `extends:`) and treats null uniformly.
import Yams

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
        var converter = Converter(file: file)
        let node = converter.convert(composed)
        return converter.problems.isEmpty ? .success(node) : .failure(ProfileErrors(converter.problems))
    }

    /// The most nodes one file may expand to. Yams shares an anchored node among its aliases, so a
    /// few lines of nested aliases (9 levels of 9 aliases each) stand for 387 million nodes: copying
    /// them out would take minutes and gigabytes. Real profiles have hundreds of nodes.
    static let maximumNodes = 100_000

    /// Copies Yams' nodes into `SourceNode`s, counting every node an alias repeats, and stops at
    /// `maximumNodes` with one problem located where the budget ran out.
    private struct Converter {
        let file: String
        var problems: [ProfileProblem] = []
        private var remaining = SourceNode.maximumNodes

        init(file: String) { self.file = file }

        mutating func convert(_ node: Node) -> SourceNode {
            let location = SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
            guard remaining > 0 else { return SourceNode(kind: .null, location: location) }
            remaining -= 1
            if remaining == 0 {
                problems.append(
                    problem(
                        location,
                        "the YAML expands to more than \(SourceNode.maximumNodes) values, counting each value an "
                            + "alias (*name) repeats; write the values out or use fewer, flatter aliases"))
            }
            let replaces = node.tag.rawValue == "!replace"
            switch node {
            case .scalar(let scalar):
                let isNull =
                    scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
                    || scalar.tag.rawValue == Tag.Name.null.rawValue
                return SourceNode(
                    kind: isNull ? .null : .scalar(scalar.string), location: location, replaces: replaces)
            case .sequence(let sequence):
                var items: [SourceNode] = []
                for item in sequence where remaining > 0 { items.append(convert(item)) }
                return SourceNode(kind: .sequence(items), location: location, replaces: replaces)
            case .mapping(let mapping):
                var entries: [Entry] = []
                for (key, value) in mapping where remaining > 0 {
                    let keyLocation =
                        key.mark.map { SourceLocation(file: file, line: $0.line, column: $0.column) } ?? location
                    guard case .scalar(let keyScalar) = key else {
                        problems.append(
                            problem(keyLocation, "mapping keys must be plain names, not a list or mapping"))
                        continue
                    }
                    entries.append(Entry(key: keyScalar.string, keyLocation: keyLocation, value: convert(value)))
                }
                return SourceNode(kind: .mapping(entries), location: location, replaces: replaces)
            case .alias:
                // Yams resolves aliases while composing; an unresolved one is treated as not set.
                return SourceNode(kind: .null, location: location)
            }
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
