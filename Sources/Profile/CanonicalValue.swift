// A small value tree with its own YAML and JSON writers. The canonical form of a profile is written
// with these rather than a general-purpose emitter, so its bytes, and so the profile digest, depend on
// nothing but this file: no library upgrade can change a digest.
import Quoting

/// A tree of strings, integers, booleans, lists and ordered mappings.
public indirect enum CanonicalValue: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case bool(Bool)
    case list([CanonicalValue])
    /// Entries in the order they are written.
    case map([(String, CanonicalValue)])

    public static func == (lhs: CanonicalValue, rhs: CanonicalValue) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): a == b
        case (.integer(let a), .integer(let b)): a == b
        case (.bool(let a), .bool(let b)): a == b
        case (.list(let a), .list(let b)): a == b
        case (.map(let a), .map(let b)): a.map(\.0) == b.map(\.0) && a.map(\.1) == b.map(\.1)
        default: false
        }
    }
}

// MARK: YAML

extension CanonicalValue {
    /// Block-style YAML, two-space indents, strings plain only when no YAML reader could take them
    /// for anything else, multi-line text as literal blocks.
    public var yaml: String {
        var out = ""
        switch self {
        case .map(let entries) where !entries.isEmpty: Self.writeMap(entries, indent: 0, into: &out)
        case .list(let items) where !items.isEmpty: Self.writeList(items, indent: 0, into: &out)
        default: out = Self.inline(self, indent: 0) + "\n"
        }
        return out
    }

    private static func writeMap(_ entries: [(String, CanonicalValue)], indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        for (key, value) in entries {
            out += pad + scalarText(key) + ":"
            switch value {
            case .map(let children) where !children.isEmpty:
                out += "\n"
                writeMap(children, indent: indent + 2, into: &out)
            case .list(let items) where !items.isEmpty:
                out += "\n"
                writeList(items, indent: indent + 2, into: &out)
            default:
                out += " " + inline(value, indent: indent + 2) + "\n"
            }
        }
    }

    private static func writeList(_ items: [CanonicalValue], indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        for item in items {
            switch item {
            case .map(let entries) where !entries.isEmpty:
                // The first entry shares the line with the dash; the rest align under it.
                var block = ""
                writeMap(entries, indent: indent + 2, into: &block)
                out += pad + "- " + block.dropFirst(indent + 2)
            case .list(let children) where !children.isEmpty:
                out += pad + "-\n"
                writeList(children, indent: indent + 2, into: &out)
            default:
                out += pad + "- " + inline(item, indent: indent + 2) + "\n"
            }
        }
    }

    /// A scalar, or an empty collection, on the current line.
    private static func inline(_ value: CanonicalValue, indent: Int) -> String {
        switch value {
        case .string(let text): return literalBlock(text, indent: indent) ?? scalarText(text)
        case .integer(let number): return String(number)
        case .bool(let flag): return flag ? "true" : "false"
        case .list: return "[]"
        case .map: return "{}"
        }
    }

    private static let reserved: Set<String> = [
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", ".inf", "-.inf", "+.inf", ".nan",
    ]

    /// Plain when safe, else double-quoted. Plain means: letters, digits and a few punctuation
    /// marks that never start YAML syntax where they stand, no leading or trailing space, and
    /// nothing a YAML 1.1 or 1.2 reader would take for a number, boolean or null.
    static func scalarText(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        guard let first = scalars.first, let last = scalars.last else { return "\"\"" }
        func isAlnum(_ s: Unicode.Scalar) -> Bool {
            (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || (s >= "0" && s <= "9")
        }
        let inner: (Unicode.Scalar) -> Bool = { isAlnum($0) || "_./=+@,-%*?() ".unicodeScalars.contains($0) }
        let startsWell =
            isAlnum(first) || "/_.".unicodeScalars.contains(first)
            || (first == "-" && scalars.count > 1 && scalars[1] != " ")
        let looksNumeric =
            scalars.allSatisfy { ($0 >= "0" && $0 <= "9") || "._+-eExXoObB:".unicodeScalars.contains($0) }
            && scalars.contains { $0 >= "0" && $0 <= "9" }
        let plain =
            startsWell && last != " " && scalars.allSatisfy(inner) && !reserved.contains(text.lowercased())
            && !looksNumeric
        return plain ? text : doubleQuoted(text)
    }

    /// YAML's double-quoted style: JSON's escapes, but `\xHH` for other control characters.
    private static func doubleQuoted(_ text: String) -> String {
        Quoting.doubleQuoted(text, control: Quoting.yamlEscape)
    }

    /// `|`, `|-` or `|+` block for multi-line text that a literal block can hold exactly.
    private static func literalBlock(_ text: String, indent: Int) -> String? {
        guard text.contains("\n") else { return nil }
        let body = text.reversed().drop { $0 == "\n" }.reversed()
        let trailing = text.count - body.count
        let ok =
            !body.isEmpty && body.first != " " && body.first != "\t" && body.first != "\n"
            && !text.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n" && $0 != "\t") || $0.value == 0x7f }
        guard ok else { return nil }
        let pad = String(repeating: " ", count: indent)
        let lines = String(body).split(separator: "\n", omittingEmptySubsequences: false)
        let chomp = trailing == 0 ? "-" : trailing == 1 ? "" : "+"
        var out = "|" + chomp
        for line in lines { out += "\n" + (line.isEmpty ? "" : pad + line) }
        for _ in 1..<max(trailing, 1) { out += "\n" }
        return out
    }
}

// MARK: JSON

extension CanonicalValue {
    /// JSON with keys in the tree's order; `pretty` indents by two spaces.
    public func json(pretty: Bool = true) -> String {
        var out = ""
        Self.writeJSON(self, indent: 0, pretty: pretty, into: &out)
        return out
    }

    private static func writeJSON(_ value: CanonicalValue, indent: Int, pretty: Bool, into out: inout String) {
        let newline = pretty ? "\n" : ""
        let pad = pretty ? String(repeating: " ", count: indent + 2) : ""
        let close = pretty ? String(repeating: " ", count: indent) : ""
        switch value {
        case .string(let text): out += jsonString(text)
        case .integer(let number): out += String(number)
        case .bool(let flag): out += flag ? "true" : "false"
        case .list(let items):
            if items.isEmpty { out += "[]"; return }
            out += "[" + newline
            for (index, item) in items.enumerated() {
                out += pad
                writeJSON(item, indent: indent + 2, pretty: pretty, into: &out)
                out += (index < items.count - 1 ? "," : "") + newline
            }
            out += close + "]"
        case .map(let entries):
            if entries.isEmpty { out += "{}"; return }
            out += "{" + newline
            for (index, (key, item)) in entries.enumerated() {
                out += pad + jsonString(key) + (pretty ? ": " : ":")
                writeJSON(item, indent: indent + 2, pretty: pretty, into: &out)
                out += (index < entries.count - 1 ? "," : "") + newline
            }
            out += close + "}"
        }
    }

    static func jsonString(_ text: String) -> String { Quoting.doubleQuoted(text, control: Quoting.jsonEscape) }
}
