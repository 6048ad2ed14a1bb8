// `verification.hash` values: `sha512-<hex>` (all versions) and `sha256-<hex>` (3.1.0+).
import Hashing

/// A parsed `verification.hash`.
public struct HashSpec: Sendable, Equatable {
    public enum Function: String, Sendable {
        case sha256
        case sha512

        var hexLength: Int { self == .sha256 ? 64 : 128 }
    }

    public var function: Function
    /// The expected digest as written (validation checks only its length, like Ignition).
    public var hexDigest: String

    /// Parses `text` as allowed by `version`, with Ignition's error messages.
    public static func parse(_ text: String, version: SpecVersion) -> Result<HashSpec, HashSpecError> {
        let parts = text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return .failure(HashSpecError("malformed hash specifier")) }
        guard let function = Function(rawValue: String(parts[0])), function == .sha512 || version >= .v3_1 else {
            return .failure(HashSpecError("unrecognized hash function"))
        }
        guard parts[1].utf8.count == function.hexLength else {
            return .failure(HashSpecError("incorrect size for hash sum"))
        }
        return .success(HashSpec(function: function, hexDigest: String(parts[1])))
    }

    var hasHexDigits: Bool { hexDigest.utf8.allSatisfy { PercentDecoding.hexValue($0) != nil } }

    /// The lower-case hex digest of `bytes` with this function.
    func digest(of bytes: [UInt8]) -> String {
        switch function {
        case .sha256: return SHA256.hexDigest(bytes)
        case .sha512: return SHA512.hexDigest(bytes)
        }
    }

    /// Whether `bytes` have the expected digest (hex compared case-insensitively).
    func matches(_ bytes: [UInt8]) -> Bool { digest(of: bytes) == hexDigest.lowercased() }
}

/// Why a `verification.hash` value is not acceptable.
public struct HashSpecError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
