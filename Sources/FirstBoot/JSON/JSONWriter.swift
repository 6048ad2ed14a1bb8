// Serializes `JSONNode` trees: used to print rendered and merged configs and to write the
// records the first-boot step leaves behind (kernel arguments, result).
import Quoting

extension JSONNode {
    /// JSON text for this value: indented by two spaces when `pretty`, otherwise compact.
    public func serialized(pretty: Bool = true) -> String {
        var out = ""
        write(into: &out, indent: pretty ? 0 : nil)
        if pretty { out += "\n" }
        return out
    }

    private func write(into out: inout String, indent: Int?) {
        switch value {
        case .null: out += "null"
        case .bool(let flag): out += flag ? "true" : "false"
        case .number(let text): out += text
        case .string(let text): JSONNode.writeString(text, into: &out)
        case .array(let elements):
            if elements.isEmpty {
                out += "[]"
                return
            }
            out += "["
            for (position, element) in elements.enumerated() {
                if position > 0 { out += "," }
                JSONNode.newline(&out, indent.map { $0 + 1 })
                element.write(into: &out, indent: indent.map { $0 + 1 })
            }
            JSONNode.newline(&out, indent)
            out += "]"
        case .object(let members):
            if members.isEmpty {
                out += "{}"
                return
            }
            out += "{"
            for (position, member) in members.enumerated() {
                if position > 0 { out += "," }
                JSONNode.newline(&out, indent.map { $0 + 1 })
                JSONNode.writeString(member.key, into: &out)
                out += indent == nil ? ":" : ": "
                member.value.write(into: &out, indent: indent.map { $0 + 1 })
            }
            JSONNode.newline(&out, indent)
            out += "}"
        }
    }

    private static func newline(_ out: inout String, _ indent: Int?) {
        guard let indent else { return }
        out += "\n"
        out += String(repeating: "  ", count: indent)
    }

    static func writeString(_ text: String, into out: inout String) {
        out += Quoting.doubleQuoted(text, control: Quoting.jsonEscape)
    }
}

/// Small builders so that serializers read like the JSON they produce.
extension JSONNode {
    public static func string(_ text: String) -> JSONNode { JSONNode(.string(text)) }
    public static func int(_ number: Int) -> JSONNode { JSONNode(.number(String(number))) }
    public static func bool(_ flag: Bool) -> JSONNode { JSONNode(.bool(flag)) }
    public static func array(_ elements: [JSONNode]) -> JSONNode { JSONNode(.array(elements)) }

    /// An object from key/value pairs; `nil` values are left out.
    public static func object(_ pairs: [(String, JSONNode?)]) -> JSONNode {
        JSONNode(.object(pairs.compactMap { key, value in value.map { JSONMember(key: key, value: $0) } }))
    }

    /// The member named `key` (the last one, if repeated), or nil.
    public subscript(key: String) -> JSONNode? {
        guard case .object(let members) = value else { return nil }
        return members.last(where: { $0.key == key })?.value
    }

    /// The string value, or nil for other types.
    public var stringValue: String? {
        if case .string(let text) = value { return text }
        return nil
    }
}
