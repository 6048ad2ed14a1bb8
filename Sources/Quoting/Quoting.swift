// Double-quoted strings for messages, JSON and YAML. One routine escapes what every one of those
// forms escapes the same way (quote, backslash, newline, tab, return); the forms differ only in how
// they write the other control characters, which the caller passes. No Foundation: the initrd's
// first-boot code uses it too.

public enum Quoting {
    /// `text` in double quotes with `"`, `\`, newline, tab and return escaped, and every other control
    /// character (C0 and DEL; with `escapingC1` also U+0080…U+009F, which some terminals obey) written
    /// by `control`.
    public static func doubleQuoted(
        _ text: String, escapingC1: Bool = false, control: (UInt32) -> String = messageEscape
    ) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                let value = scalar.value
                if value < 0x20 || value == 0x7f || (escapingC1 && (0x80..<0xa0).contains(value)) {
                    out += control(value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// `\u{1b}`: Swift's form, for messages a person reads.
    public static func messageEscape(_ value: UInt32) -> String { "\\u{" + String(value, radix: 16) + "}" }

    /// `\u001b`: JSON's form.
    public static func jsonEscape(_ value: UInt32) -> String { "\\u" + hex(value, digits: 4) }

    /// `\x1b`: YAML's short form for a control character.
    public static func yamlEscape(_ value: UInt32) -> String { "\\x" + hex(value, digits: 2) }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
