// What `systemctl enable` reads of a unit file: its name's parts and its [Install] section
// (systemd.unit(5), "[Install] Section Options"; systemd.syntax(7) for the file syntax).

/// A unit name split into its parts: `getty@ttyS0.service` is prefix `getty`, instance `ttyS0`,
/// type `service`; `getty@.service` is a template (instance ""); `foo.service` has no instance.
struct UnitName: Equatable, CustomStringConvertible {
    static let types: Set<String> = [
        "service", "socket", "target", "timer", "mount", "automount", "path", "slice", "swap", "device", "scope",
    ]

    var prefix: String
    /// nil for a plain unit, "" for a template, the instance otherwise.
    var instance: String?
    var type: String

    /// Parses `name`, or returns nil when it is not a unit name (no known type, an empty prefix,
    /// a "/" or a control character, more than 255 bytes).
    init?(_ name: String) {
        guard name.utf8.count <= 255, let dot = name.lastIndex(of: "."),
            !name.contains("/"), !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f })
        else { return nil }
        let type = String(name[name.index(after: dot)...])
        let stem = name[..<dot]
        guard Self.types.contains(type) else { return nil }
        if let at = stem.firstIndex(of: "@") {
            prefix = String(stem[..<at])
            instance = String(stem[stem.index(after: at)...])
        } else {
            prefix = String(stem)
            instance = nil
        }
        guard !prefix.isEmpty else { return nil }
        self.type = type
    }

    var isTemplate: Bool { instance == "" }

    /// `prefix@.type` for an instance or template, the name itself otherwise.
    var templateName: String { instance == nil ? description : "\(prefix)@.\(type)" }

    /// The same unit with `instance` (a template's instance filled in).
    func with(instance: String) -> UnitName {
        var copy = self
        copy.instance = instance
        return copy
    }

    var description: String {
        if let instance { return "\(prefix)@\(instance).\(type)" }
        return "\(prefix).\(type)"
    }
}

/// The [Install] section of a unit file: what enabling it links where. The keys are those systemd
/// 252 (Debian 12) acts on; UpheldBy= came later and is ignored, as 252's systemctl ignores it.
struct UnitInstallSection: Equatable {
    var wantedBy: [String] = []
    var requiredBy: [String] = []
    var alias: [String] = []
    var also: [String] = []
    var defaultInstance: String?

    /// True when enabling the unit does something (a unit without any is "static").
    var hasInstallInfo: Bool {
        !(wantedBy.isEmpty && requiredBy.isEmpty && alias.isEmpty && also.isEmpty)
    }

    /// Parses the [Install] section of unit file text. Comments (`#`, `;`) and other sections are
    /// skipped, a trailing backslash continues a line, list values are split at whitespace, and an
    /// empty assignment (`WantedBy=`) empties the list, as systemd does.
    init(parsing text: String) {
        var section = ""
        var pending = ""
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = rawLine.trimmingWhitespace()
            if pending.isEmpty, line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasSuffix("\\") {
                line.removeLast()
                pending += line + " "
                continue
            }
            let logical = pending + line
            pending = ""
            if logical.hasPrefix("[") && logical.hasSuffix("]") {
                section = String(logical.dropFirst().dropLast())
                continue
            }
            guard section == "Install", let equals = logical.firstIndex(of: "=") else { continue }
            let key = logical[..<equals].trimmingWhitespace()
            let value = logical[logical.index(after: equals)...].trimmingWhitespace()
            let words = value.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            func assign(_ list: inout [String]) { list = words.isEmpty ? [] : list + words }
            switch key {
            case "WantedBy": assign(&wantedBy)
            case "RequiredBy": assign(&requiredBy)
            case "Alias": assign(&alias)
            case "Also": assign(&also)
            case "DefaultInstance": defaultInstance = value.isEmpty ? nil : value
            default: continue
            }
        }
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and carriage returns.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
