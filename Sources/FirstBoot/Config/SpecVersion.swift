// The Ignition config spec versions this processor reads. A config is decoded with the field set
// of its own version: a field introduced later is an unknown key (a warning), as in Ignition.

/// An Ignition config specification version (3.x.0).
public enum SpecVersion: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    case v3_0 = 0
    case v3_1
    case v3_2
    case v3_3
    case v3_4
    case v3_5

    /// The newest version: configs written by slipway (rendered, merged) carry it.
    public static let latest = SpecVersion.v3_5

    /// The version string as written in `ignition.version`.
    public var description: String { "3.\(rawValue).0" }

    /// Parses an `ignition.version` value; nil for anything that is not exactly a supported version.
    public init?(string: String) {
        guard let match = SpecVersion.allCases.first(where: { $0.description == string }) else { return nil }
        self = match
    }

    public static func < (a: SpecVersion, b: SpecVersion) -> Bool { a.rawValue < b.rawValue }

    /// Whether `text` has the shape of a semantic version (so an unsupported one can be told from garbage).
    static func looksLikeSemver(_ text: String) -> Bool {
        let core = text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard let numbers = core.first?.split(separator: "+", maxSplits: 1).first else { return false }
        let parts = numbers.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 3 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
