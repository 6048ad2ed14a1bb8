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

    /// A digest with this spec's function, fed chunk by chunk.
    func makeDigest() -> Digest { Digest(function) }

    /// An incremental SHA-256 or SHA-512, so a resource is verified while it streams.
    struct Digest {
        private enum State {
            case sha256(SHA256)
            case sha512(SHA512)
        }

        private var state: State

        init(_ function: Function) {
            state = function == .sha256 ? .sha256(SHA256()) : .sha512(SHA512())
        }

        mutating func update(_ bytes: ArraySlice<UInt8>) {
            bytes.withUnsafeBytes { raw in
                switch state {
                case .sha256(var hash):
                    hash.update(raw)
                    state = .sha256(hash)
                case .sha512(var hash):
                    hash.update(raw)
                    state = .sha512(hash)
                }
            }
        }

        /// The lower-case hex digest of everything fed.
        mutating func hexDigest() -> String {
            switch state {
            case .sha256(var hash): return hex(hash.finalize())
            case .sha512(var hash): return hex(hash.finalize())
            }
        }
    }
}

/// Why a `verification.hash` value is not acceptable.
public struct HashSpecError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
