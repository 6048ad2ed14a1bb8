// Rules for the strings of a config that become paths in the root, fields of the account files or
// words of the kernel command line.
// They are stricter than Ignition's: the kernel ends a path at its first NUL, and in /etc/passwd a
// ":" starts another field and a newline another account, so such a value would make apply write
// something other than what the config says. The validator reports them as errors, and apply checks
// them again before writing, because configs merged or fetched at boot reach it too.
import Quoting

enum TextRules {
    /// The longest user or group name, in bytes: shadow's tools refuse longer names by default.
    static let maxNameBytes = 32

    /// `value` in double quotes, with control characters written as JSON escapes (`\u0000`).
    static func quoted(_ value: String) -> String {
        Quoting.doubleQuoted(value, escapingC1: true, control: Quoting.jsonEscape)
    }

    /// `value` as it is when it holds no control character, else quoted with escapes: for subjects of
    /// error messages, which should not carry a newline or a NUL to the terminal.
    static func shown(_ value: String) -> String {
        value.unicodeScalars.contains(where: isControl) ? quoted(value) : value
    }

    /// C0, DEL and C1 control characters.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7f..<0xa0).contains(scalar.value)
    }

    /// Why a path (or link target, or device) cannot be used as given: it holds a NUL.
    static func nulProblem(_ value: String, what: String = "path") -> String? {
        guard value.utf8.contains(0) else { return nil }
        return "\(what) \(quoted(value)) contains a NUL character, where the system would cut it short; remove it"
    }

    /// Why `name` cannot be a user (`kind` "user") or group name in the account files.
    static func accountNameProblem(_ name: String, kind: String) -> String? {
        let rule =
            "\(kind) names are 1 to \(maxNameBytes) bytes without \":\", \"/\", \",\", whitespace or control "
            + "characters, not \".\" or \"..\", not starting with \"-\" (e.g. \"core\", \"svc_1\")"
        if name.isEmpty { return "\(kind) name is empty; \(rule)" }
        let shown = "\(kind) name \(quoted(name))"
        if name == "." || name == ".." { return "\(shown) is a path component; \(rule)" }
        if name.hasPrefix("-") { return "\(shown) starts with \"-\", which tools read as an option; \(rule)" }
        if name.utf8.count > maxNameBytes { return "\(shown) is \(name.utf8.count) bytes long; \(rule)" }
        for scalar in name.unicodeScalars {
            let reason: String
            switch scalar {
            case ":": reason = "contains \":\", which separates the fields of /etc/passwd and /etc/group"
            case "/": reason = "contains \"/\", which would make it a path"
            case ",": reason = "contains \",\", which separates the members of a group in /etc/group"
            default:
                if isControl(scalar) {
                    reason = "contains a control character (\(quoted(String(scalar))))"
                } else if scalar.properties.isWhitespace {
                    reason = "contains whitespace"
                } else {
                    continue
                }
            }
            return "\(shown) \(reason); \(rule)"
        }
        return nil
    }

    /// Why an account entry without a `name` cannot be applied. Ignition's validator lets it through;
    /// its files stage then fails (`useradd: invalid user name ''`).
    static func missingNameProblem(kind: String) -> String {
        "\(kind) has no name; every \(kind) needs one, e.g. \"name\": \(quoted(kind == "user" ? "core" : "wheel"))"
    }

    /// Why a value cannot be a field of /etc/passwd, /etc/shadow, /etc/group or /etc/gshadow.
    /// `secret` values (password hashes) are not repeated in the message.
    static func accountFieldProblem(_ value: String, field: String, secret: Bool = false) -> String? {
        let shown = secret ? field : "\(field) \(quoted(value))"
        for scalar in value.unicodeScalars {
            if scalar == ":" {
                return "\(shown) contains \":\", which would start another field of the account line; remove it"
            }
            if isControl(scalar) {
                return "\(shown) contains a control character (\(quoted(String(scalar)))); account fields are "
                    + "one line of printable text"
            }
        }
        return nil
    }

    /// Why a value cannot be a home directory or login shell: it must be an absolute path that is a
    /// valid account field.
    static func accountPathProblem(_ value: String, field: String, example: String) -> String? {
        if let problem = accountFieldProblem(value, field: field) { return problem }
        guard value.hasPrefix("/") else {
            return "\(field) \(quoted(value)) is not an absolute path; write it from the root, e.g. \(quoted(example))"
        }
        return nil
    }

    /// Why a kernel argument cannot be written to the boot entry's `options` line: a newline (even
    /// between quotes) would end that line and start another entry key (`initrd`, `linux`).
    static func kernelArgumentProblem(_ argument: String) -> String? {
        guard let scalar = argument.unicodeScalars.first(where: isControl) else { return nil }
        return "kernel argument \(quoted(argument)) contains a control character (\(quoted(String(scalar)))); "
            + "the kernel command line is one line of printable text"
    }

    /// Why `name` cannot be the file name of a unit (`kind` "unit") or drop-in in a directory of
    /// /etc/systemd/system. The unit-type suffix is checked separately.
    static func unitFileNameProblem(_ name: String, kind: String) -> String? {
        let example = kind == "unit" ? "web.service" : "10-limits.conf"
        let rule = "a \(kind) name is a plain file name such as \(quoted(example))"
        let shown = "\(kind) name \(quoted(name))"
        if name == "." || name == ".." { return "\(shown) is a path component; \(rule)" }
        if name.contains("/") {
            return "\(shown) contains \"/\", which would put the file outside its directory; \(rule)"
        }
        if name.unicodeScalars.contains(where: isControl) {
            return "\(shown) contains a control character; \(rule)"
        }
        return nil
    }
}
