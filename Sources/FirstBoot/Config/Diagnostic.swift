// Findings about a config: errors make it invalid, warnings (unknown keys, enabled units without an
// [Install] section, ...) are printed but do not stop it. Paths use Ignition's notation
// (`$.storage.files.0.path`) so that they can be compared with `ignition-validate`.

/// A location inside a config document: `$.storage.files.0.path`.
public struct JSONPath: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// One step: an object key or an array index.
    public enum Component: Sendable, Hashable {
        case key(String)
        case index(Int)
    }

    public var components: [Component]

    public init(_ components: [Component] = []) { self.components = components }

    public static let root = JSONPath()

    /// This path extended by keys (strings) and indexes (integers).
    public func appending(_ steps: any JSONPathStep...) -> JSONPath {
        var copy = self
        for step in steps { copy.components.append(step.component) }
        return copy
    }

    public var description: String {
        var text = "$"
        for component in components {
            switch component {
            case .key(let key): text += "." + key
            case .index(let index): text += "." + String(index)
            }
        }
        return text
    }

    public static func < (a: JSONPath, b: JSONPath) -> Bool { a.description < b.description }
}

/// Something that can extend a `JSONPath`: a `String` key or an `Int` index.
public protocol JSONPathStep {
    var component: JSONPath.Component { get }
}

extension String: JSONPathStep {
    public var component: JSONPath.Component { .key(self) }
}

extension Int: JSONPathStep {
    public var component: JSONPath.Component { .index(self) }
}

/// One finding about a config, with where it is.
public struct Diagnostic: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable {
        case error
        case warning
    }

    public var severity: Severity
    public var path: JSONPath
    public var message: String
    /// Where in the source document, when the config came from text (merged configs have none).
    public var position: SourcePosition?

    public init(_ severity: Severity, _ path: JSONPath, _ message: String, position: SourcePosition? = nil) {
        self.severity = severity
        self.path = path
        self.message = message
        self.position = position
    }

    public var isError: Bool { severity == .error }

    /// `line:col: $.path: message` for errors, `line:col: warning: $.path: message` for warnings.
    public var description: String {
        var text = position.map { "\($0): " } ?? ""
        if severity == .warning { text += "warning: " }
        return text + "\(path): \(message)"
    }

    /// The same finding prefixed with the file it is about: `FILE:line:col: $.path: message`.
    public func formatted(file: String) -> String {
        position == nil ? "\(file): \(description)" : "\(file):\(description)"
    }
}
