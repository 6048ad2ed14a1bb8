// A Debian control paragraph (deb-control(5), the deb822 format): "Field: value" lines, with
// continuation lines that start with a space or a tab.

/// The fields of a binary package's `control` file, in file order.
public struct ControlFile: Sendable, Hashable {
    /// One field; `value` has its continuation lines joined with "\n", each without its leading blank.
    public struct Field: Sendable, Hashable {
        public var name: String
        public var value: String
    }

    public private(set) var fields: [Field]

    /// Parses a control paragraph. `source` names the file in errors ("control of busybox.deb").
    /// - Throws: `PackagesError` with the line number and the rule it breaks.
    public init(parsing text: String, source: String) throws {
        fields = []
        var seen: Set<String> = []
        var ended = false
        // "\r\n" is one Character in Swift, so it is a separator of its own.
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        for (offset, line) in lines.enumerated() {
            let number = offset + 1
            func bad(_ rule: String) -> PackagesError {
                PackagesError(package: source, operation: "parse control", message: "line \(number): \(rule)")
            }
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) {
                ended = !fields.isEmpty
                continue
            }
            if ended { throw bad("a second paragraph: a binary package's control file has exactly one") }
            if line.hasPrefix("#") { continue }
            if line.first == " " || line.first == "\t" {
                guard !fields.isEmpty else { throw bad("continuation line before any field") }
                let continuation = line.dropFirst()
                fields[fields.count - 1].value += "\n" + (continuation == "." ? "" : continuation)
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { throw bad("expected \"Field: value\"") }
            let name = String(line[..<colon])
            guard !name.isEmpty, name.allSatisfy({ $0.isASCII && !$0.isWhitespace }), name.first != "-" else {
                throw bad("field name \"\(name)\" must be non-empty printable ASCII without spaces")
            }
            guard seen.insert(name.lowercased()).inserted else { throw bad("field \(name) appears twice") }
            fields.append(Field(name: name, value: line[line.index(after: colon)...].trimmingSpaces))
        }
    }

    /// The value of `name`, compared without regard to case as deb822 asks; nil when absent.
    public subscript(name: String) -> String? {
        let key = name.lowercased()
        return fields.first { $0.name.lowercased() == key }?.value
    }

    /// The value of a field that must be present and non-empty.
    func required(_ name: String, source: String) throws -> String {
        guard let value = self[name], !value.isEmpty else {
            throw PackagesError(
                package: source, operation: "parse control", message: "required field \(name) is missing")
        }
        return value
    }
}
