// The entry point for config text: JSON → version → strict decoding → validation, with every
// finding located by JSON path and line:col.

/// The outcome of reading a config: the config (when it could be decoded) and every finding.
public struct ConfigReport: Sendable {
    /// The decoded config; nil when the text is not JSON, not an object, or has no supported version.
    public var config: Config?
    /// Errors and warnings, in document order.
    public var diagnostics: [Diagnostic]

    /// Whether the config can be applied: it decoded and has no errors.
    public var isValid: Bool { config != nil && !diagnostics.contains(where: \.isError) }
    public var errors: [Diagnostic] { diagnostics.filter(\.isError) }
    public var warnings: [Diagnostic] { diagnostics.filter { !$0.isError } }
}

/// Parses and validates Ignition configs.
public enum ConfigParser {
    /// Decodes and validates config text.
    public static func parse(_ bytes: [UInt8]) -> ConfigReport {
        let lines = LineTable(bytes)
        func failure(_ path: JSONPath, _ message: String, offset: Int?) -> ConfigReport {
            ConfigReport(
                config: nil,
                diagnostics: [Diagnostic(.error, path, message, position: offset.map(lines.position(of:)))])
        }
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0a || $0 == 0x0d }) {
            return failure(.root, "not a config (empty)", offset: nil)
        }
        let root: JSONNode
        do {
            root = try JSONParser.parse(bytes)
        } catch {
            return failure(.root, "invalid JSON: \(error.message)", offset: error.offset)
        }
        guard case .object = root.value else {
            return failure(.root, "expected a JSON object, found \(root.typeName)", offset: root.offset)
        }
        let versionPath = JSONPath.root.appending("ignition", "version")
        let ignition = member(root, "ignition")
        guard let versionNode = ignition.flatMap({ member($0, "version") }) else {
            return failure(
                versionPath, "invalid config version (couldn't parse): ignition.version is required, e.g. \"3.4.0\"",
                offset: ignition?.offset ?? root.offset)
        }
        guard case .string(let versionText) = versionNode.value, SpecVersion.looksLikeSemver(versionText) else {
            return failure(
                versionPath, "invalid config version (couldn't parse): expected a version string like \"3.4.0\"",
                offset: versionNode.offset)
        }
        guard let version = SpecVersion(string: versionText) else {
            let supported = SpecVersion.allCases.map(\.description).joined(separator: ", ")
            return failure(
                versionPath, "unsupported config version \"\(versionText)\": supported versions are \(supported)",
                offset: versionNode.offset)
        }
        let context = DecodeContext(version: version)
        let config = ConfigDecoder.decode(root, context: context)
        var diagnostics = context.diagnostics(lines: lines)
        // A value with a type error decodes as unset; the rules would only repeat that it is missing.
        let typeErrorPaths = Set(diagnostics.filter(\.isError).map(\.path))
        for var finding in Validator.validate(config, version: version) where !typeErrorPaths.contains(finding.path) {
            finding.position = offset(for: finding.path, in: context.offsets).map(lines.position(of:))
            diagnostics.append(finding)
        }
        return ConfigReport(config: config, diagnostics: sorted(diagnostics))
    }

    /// Decodes and validates, throwing when the config has errors (the error lists them all).
    public static func parseValid(_ bytes: [UInt8], source: String) throws(FirstBootError) -> (Config, [Diagnostic]) {
        let report = parse(bytes)
        guard report.isValid, let config = report.config else {
            let count = report.errors.count
            throw FirstBootError(
                "validate config", source, "\(count) error\(count == 1 ? "" : "s") in the config; fix them and retry",
                diagnostics: report.diagnostics)
        }
        return (config, report.warnings)
    }

    /// Validates a config built in code (merged, rendered) against the rules of `version`.
    public static func validate(_ config: Config, version: SpecVersion = .latest) -> [Diagnostic] {
        Validator.validate(config, version: version)
    }

    /// The last member whose key matches `key` case-insensitively (Go's decoder rule).
    private static func member(_ node: JSONNode, _ key: String) -> JSONNode? {
        guard case .object(let members) = node.value else { return nil }
        guard let found = members.last(where: { $0.key.lowercased() == key.lowercased() })?.value else { return nil }
        if case .null = found.value { return nil }
        return found
    }

    /// The offset of `path`, or of its nearest ancestor that has one.
    private static func offset(for path: JSONPath, in offsets: [JSONPath: Int]) -> Int? {
        var current = path
        while true {
            if let offset = offsets[current] { return offset }
            if current.components.isEmpty { return nil }
            current.components.removeLast()
        }
    }

    private static func sorted(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        diagnostics.enumerated().sorted { a, b in
            let left = a.element.position ?? SourcePosition(line: 0, column: 0)
            let right = b.element.position ?? SourcePosition(line: 0, column: 0)
            return left == right ? a.offset < b.offset : left < right
        }.map(\.element)
    }
}
