// The one error type of the PartitionTable module.

/// A partition table that cannot be written as given, or a GPT read from a disk that is damaged.
public enum GPTError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A table that breaks a rule of the writer (geometry, numbers, names, ranges, overlaps).
    case invalidTable(reason: String)
    /// The GPT read from `source` (an image path or a device) is missing or damaged.
    case invalidGPT(source: String, reason: String)

    public var description: String {
        switch self {
        case .invalidTable(let reason): "partition table: \(reason)"
        case .invalidGPT(let source, let reason): "\(source): GPT: \(reason)"
        }
    }
}
