// A small JSON writer for the report: keys always sorted, absent values written as null, so the
// output has the same keys in the same order for every image.
import Quoting

/// A JSON value.
indirect enum JSONValue: Equatable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    static func integer<Integer: BinaryInteger>(_ value: Integer?) -> JSONValue {
        value.map { .number(String($0)) } ?? .null
    }

    static func text(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }

    /// Pretty-printed with two-space indentation and sorted keys.
    func rendered(indent: Int = 0) -> String {
        let inner = String(repeating: "  ", count: indent + 1), outer = String(repeating: "  ", count: indent)
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .number(let digits): return digits
        case .string(let text): return JSONValue.quoted(text)
        case .array(let items):
            guard !items.isEmpty else { return "[]" }
            return "[\n" + items.map { inner + $0.rendered(indent: indent + 1) }.joined(separator: ",\n")
                + "\n\(outer)]"
        case .object(let members):
            guard !members.isEmpty else { return "{}" }
            let lines = members.keys.sorted().map { key in
                inner + JSONValue.quoted(key) + ": " + (members[key] ?? .null).rendered(indent: indent + 1)
            }
            return "{\n" + lines.joined(separator: ",\n") + "\n\(outer)}"
        }
    }

    private static func quoted(_ text: String) -> String { Quoting.doubleQuoted(text, control: Quoting.jsonEscape) }
}
