// Strict, version-aware decoding from `JSONNode` to the config model. Mirrors the observable
// behaviour of Ignition's Go decoder so verdicts match: `null` means "not set", a key matches its
// field case-insensitively when no exact match exists (reported as a warning), the last of repeated
// keys wins (also a warning), a value of the wrong type is an error and leaves the field unset.
// Keys that the config's spec version does not define are unknown keys (warnings).

/// State shared by every `Fields` reader while one document is decoded.
final class DecodeContext {
    let version: SpecVersion
    private(set) var findings: [Diagnostic] = []
    private(set) var findingOffsets: [Int?] = []
    /// Offset of every decoded value, so that later validation errors can point at it.
    var offsets: [JSONPath: Int] = [:]

    init(version: SpecVersion) { self.version = version }

    func report(_ severity: Diagnostic.Severity, _ path: JSONPath, _ message: String, offset: Int?) {
        findings.append(Diagnostic(severity, path, message))
        findingOffsets.append(offset)
    }

    /// The findings with positions filled in from `lines`.
    func diagnostics(lines: LineTable) -> [Diagnostic] {
        zip(findings, findingOffsets).map { finding, offset in
            var diagnostic = finding
            diagnostic.position = offset.map(lines.position(of:))
            return diagnostic
        }
    }

    func typeError(_ node: JSONNode, _ path: JSONPath, expected: String) {
        var found = node.typeName
        if case .number(let text) = node.value { found = "number \(text)" }
        report(.error, path, "expected \(expected), found \(found)", offset: node.offset)
    }
}

/// Reads the members of one JSON object, tracking which keys were used.
struct Fields {
    let context: DecodeContext
    let path: JSONPath
    private let members: [JSONMember]
    private var claimed: [Bool]

    /// A reader for `node`; nil (after reporting a type error) when it is not an object. `null`
    /// reads as an empty object, as Go leaves a struct untouched for `null`.
    init?(_ node: JSONNode, _ path: JSONPath, _ context: DecodeContext) {
        self.context = context
        self.path = path
        context.offsets[path] = node.offset
        switch node.value {
        case .object(let members): self.members = members
        case .null: self.members = []
        default:
            context.typeError(node, path, expected: "an object")
            return nil
        }
        claimed = Array(repeating: false, count: members.count)
    }

    /// The value for `key`, or nil when absent or `null`. Keys the config's version does not define
    /// (`since` later than it) are left unclaimed and reported by `finish()`.
    mutating func node(_ key: String, since: SpecVersion = .v3_0) -> (JSONNode, JSONPath)? {
        guard context.version >= since else { return nil }
        let folded = key.lowercased()
        var chosen: JSONMember?
        var exactCount = 0
        for (index, member) in members.enumerated() where member.key.lowercased() == folded {
            claimed[index] = true
            chosen = member
            if member.key == key {
                exactCount += 1
            } else {
                context.report(
                    .warning, path.appending(member.key),
                    "unknown key \"\(member.key)\": keys are case-sensitive, write \"\(key)\" (Ignition reads it as \"\(key)\")",
                    offset: member.keyOffset)
            }
            if exactCount > 1 && member.key == key {
                context.report(
                    .warning, path.appending(key), "key \"\(key)\" is repeated; the last value is used",
                    offset: member.keyOffset)
            }
        }
        guard let chosen else { return nil }
        let valuePath = path.appending(key)
        context.offsets[valuePath] = chosen.value.offset
        if case .null = chosen.value.value { return nil }
        return (chosen.value, valuePath)
    }

    mutating func string(_ key: String, since: SpecVersion = .v3_0) -> String? {
        guard let (node, path) = node(key, since: since) else { return nil }
        return Fields.string(node, path, context)
    }

    /// A string the entry cannot do without (an account's name): when it is absent or `null`, the
    /// error `missing` is reported at its path and "" is returned. Ignition decodes such an entry
    /// and fails only when its tool is handed the empty value.
    mutating func requiredString(_ key: String, missing: String) -> String {
        guard let (node, path) = node(key) else {
            let keyPath = path.appending(key)
            // At the `null` when there is one, else at the entry.
            context.report(.error, keyPath, missing, offset: context.offsets[keyPath] ?? context.offsets[path])
            return ""
        }
        return Fields.string(node, path, context) ?? ""
    }

    mutating func int(_ key: String, since: SpecVersion = .v3_0) -> Int? {
        guard let (node, path) = node(key, since: since) else { return nil }
        return Fields.int(node, path, context)
    }

    mutating func bool(_ key: String, since: SpecVersion = .v3_0) -> Bool? {
        guard let (node, path) = node(key, since: since) else { return nil }
        if case .bool(let flag) = node.value { return flag }
        context.typeError(node, path, expected: "a boolean")
        return nil
    }

    /// A list of strings; `null` elements read as "" (as in Go).
    mutating func strings(_ key: String, since: SpecVersion = .v3_0) -> [String] {
        array(key, since: since) { node, path, context in
            if case .null = node.value { return "" }
            return Fields.string(node, path, context)
        }
    }

    /// A nested object decoded by `decode`; an absent object decodes as empty.
    mutating func object<T>(_ key: String, since: SpecVersion = .v3_0, _ decode: (inout Fields) -> T) -> T? {
        let found = node(key, since: since)
        let target = found ?? (JSONNode(.null), path.appending(key))
        guard var fields = Fields(target.0, target.1, context) else { return nil }
        let value = decode(&fields)
        fields.finish()
        return value
    }

    /// A list whose elements are decoded by `decode`; elements that fail to decode are dropped
    /// (their error has been reported).
    mutating func array<T>(
        _ key: String, since: SpecVersion = .v3_0, _ decode: (JSONNode, JSONPath, DecodeContext) -> T?
    ) -> [T] {
        guard let (node, path) = node(key, since: since) else { return [] }
        guard case .array(let elements) = node.value else {
            context.typeError(node, path, expected: "an array")
            return []
        }
        var values: [T] = []
        for (index, element) in elements.enumerated() {
            let elementPath = path.appending(index)
            context.offsets[elementPath] = element.offset
            if let value = decode(element, elementPath, context) { values.append(value) }
        }
        return values
    }

    /// A list of objects, each decoded by `decode` from its fields.
    mutating func objects<T>(_ key: String, since: SpecVersion = .v3_0, _ decode: (inout Fields) -> T) -> [T] {
        array(key, since: since) { node, path, context in
            guard var fields = Fields(node, path, context) else { return nil }
            let value = decode(&fields)
            fields.finish()
            return value
        }
    }

    /// Reports every key that was not read as unknown.
    func finish() {
        for (index, member) in members.enumerated() where !claimed[index] {
            context.report(
                .warning, path.appending(member.key),
                "unknown key \"\(member.key)\": spec \(context.version) does not define it, so it is ignored",
                offset: member.keyOffset)
        }
    }

    static func string(_ node: JSONNode, _ path: JSONPath, _ context: DecodeContext) -> String? {
        if case .string(let text) = node.value { return text }
        context.typeError(node, path, expected: "a string")
        return nil
    }

    /// An integer literal that fits in 64 bits; `1.0`, `1e3` and out-of-range values are type errors.
    static func int(_ node: JSONNode, _ path: JSONPath, _ context: DecodeContext) -> Int? {
        if case .number(let text) = node.value, !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }),
            let number = Int(text)
        {
            return number
        }
        context.typeError(node, path, expected: "an integer")
        return nil
    }
}
