// Butane-style YAML (the `fcos` and `flatcar` variants' common subset) rendered to Ignition JSON.
// Keys are the Ignition keys in snake_case; resources may give `inline` text or a `local` file
// instead of `source`; units and drop-ins may give `contents_local`; users may give
// `ssh_authorized_keys_local`. The result is decoded and validated like any config, and every
// finding is reported at its YAML line:col.
public import FirstBoot
import Foundation
import Yams
import YAMLLimits

/// A render failure: bad YAML, an unsupported variant or field, or an invalid resulting config.
public struct ButaneError: Error, CustomStringConvertible {
    /// Where in the YAML (line:col), when known.
    public var position: SourcePosition?
    /// The YAML path, e.g. `$.storage.files.0.contents`.
    public var path: String
    public var message: String
    /// For an invalid resulting config: every finding, positioned in the YAML.
    public var diagnostics: [Diagnostic]

    public init(_ path: String, _ message: String, position: SourcePosition? = nil, diagnostics: [Diagnostic] = []) {
        self.path = path
        self.message = message
        self.position = position
        self.diagnostics = diagnostics
    }

    public var description: String { (position.map { "\($0): " } ?? "") + "\(path): \(message)" }
}

/// The outcome of a render.
public struct ButaneResult {
    /// The Ignition config, pretty-printed JSON.
    public var json: String
    public var config: Config
    /// Warnings (unknown keys and the like), positioned in the YAML.
    public var warnings: [Diagnostic]
}

/// Renders Butane-style YAML.
public enum ButaneRenderer {
    /// Variant and version → Ignition spec version.
    static let versions: [String: [String: String]] = [
        "fcos": [
            "1.0.0": "3.0.0", "1.1.0": "3.1.0", "1.2.0": "3.2.0", "1.3.0": "3.2.0", "1.4.0": "3.3.0", "1.5.0": "3.4.0",
            "1.6.0": "3.5.0",
        ],
        "flatcar": ["1.0.0": "3.3.0", "1.1.0": "3.4.0"],
    ]

    /// Renders `yaml`; `local` paths are read below `filesDirectory` (and may not leave it).
    public static func render(_ yaml: String, filesDirectory: String? = nil) throws(ButaneError) -> ButaneResult {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw ButaneError("$", "invalid YAML: \(error)")
        }
        if let root, let past = YAMLLimits.nodePastTheLimit(in: root) {
            throw ButaneError("$", YAMLLimits.message, position: ButaneConverter.position(past))
        }
        guard let root, case .mapping(let top) = root else {
            throw ButaneError(
                "$", "expected a YAML mapping with variant and version",
                position: root.flatMap(ButaneConverter.position))
        }
        var converter = ButaneConverter(filesDirectory: filesDirectory)
        let node = try converter.convertTop(top)
        let json = node.serialized()
        let report = ConfigParser.parse(Array(json.utf8))
        let positioned = report.diagnostics.map { diagnostic -> Diagnostic in
            var copy = diagnostic
            copy.position = converter.position(for: diagnostic.path)
            return copy
        }
        guard report.isValid, let config = report.config else {
            let first = positioned.first(where: \.isError)
            throw ButaneError(
                first?.path.description ?? "$", "the rendered config is invalid: \(first?.message ?? "")",
                position: first?.position,
                diagnostics: positioned)
        }
        return ButaneResult(json: json, config: config, warnings: positioned.filter { !$0.isError })
    }
}
