// The one error type of the Disk module. Every message names the partition, file or tool, the
// values involved and the rule, and says what to change.
import Foundation

/// A failure to lay out, write or read a disk image or its ESP.
public enum DiskError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A partition's contents are larger than the partition.
    case contentTooLarge(partition: String, content: UInt64, partitionSize: UInt64)
    /// The partitions and both partition tables need more than the requested disk size.
    case diskTooSmall(needed: UInt64, total: UInt64)
    /// A size breaks a rule of the layout (`key` names the partition or "total").
    case invalidSize(key: String, value: UInt64, rule: String)
    /// A partition table that cannot be written as given.
    case invalidTable(reason: String)
    /// The GPT of an existing image is missing or damaged.
    case invalidGPT(path: String, reason: String)
    /// A path inside the ESP breaks a FAT or layout rule.
    case invalidESPPath(path: String, rule: String)
    /// A FAT volume label breaks a rule.
    case invalidLabel(label: String, rule: String)
    /// A system call on a file failed.
    case io(operation: String, path: String, errno: Int32)
    /// zlib failed to compress data for `path` (`message` is zlib's).
    case compression(path: String, message: String)
    /// An image cannot be written in a format because of a rule of that format.
    case unsupportedByFormat(format: String, path: String, rule: String)
    /// A Secure Boot key or certificate that cannot sign (`flag` is the option that gave it).
    case invalidSigningInput(flag: String, path: String, rule: String)
    /// An external tool is not installed.
    case toolMissing(tool: String, package: String)
    /// An external tool failed; `output` is the end of what it printed.
    case toolFailed(tool: String, arguments: [String], status: Int32, output: String)

    public var description: String {
        switch self {
        case .contentTooLarge(let partition, let content, let partitionSize):
            "disk layout: \(partition) needs \(ByteSize.text(content)) but the partition is "
                + "\(ByteSize.text(partitionSize)): make \(partition) at least \(ByteSize.text(content))"
        case .diskTooSmall(let needed, let total):
            "disk layout: the partitions and partition tables need \(ByteSize.text(needed)) but the disk size is "
                + "\(ByteSize.text(total)): make the disk at least \(ByteSize.text(needed)) or leave its size automatic"
        case .invalidSize(let key, let value, let rule):
            "disk layout: \(key) size \(ByteSize.text(value)): \(rule)"
        case .invalidTable(let reason):
            "partition table: \(reason)"
        case .invalidGPT(let path, let reason):
            "\(path): GPT: \(reason)"
        case .invalidESPPath(let path, let rule):
            "ESP path \"\(path)\": \(rule)"
        case .invalidLabel(let label, let rule):
            "ESP volume label \"\(label)\": \(rule)"
        case .io(let operation, let path, let code):
            "\(path): \(operation): \(String(cString: strerror(code)))"
        case .compression(let path, let message):
            "\(path): compressing failed: \(message)"
        case .unsupportedByFormat(let format, let path, let rule):
            "\(path): cannot be written as \(format): \(rule)"
        case .invalidSigningInput(let flag, let path, let rule):
            "\(flag) \(path): \(rule)"
        case .toolMissing(let tool, let package):
            "\(tool) is not installed: install the Debian package \(package) (make deps)"
        case .toolFailed(let tool, let arguments, let status, let output):
            "\(tool) \(arguments.joined(separator: " ")) failed with status \(status)"
                + (output.isEmpty ? "" : ": \(output)")
        }
    }
}

/// Byte counts in messages and reports: exact units when the value is a whole number of them.
public enum ByteSize {
    /// "512 MiB", "2 GiB", "1.5 GiB", "4097 bytes", "12.3 MiB (12897484 bytes)".
    public static func text(_ bytes: UInt64) -> String {
        let units: [(UInt64, String)] = [(1 << 40, "TiB"), (1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")]
        for (unit, name) in units where bytes >= unit && bytes % unit == 0 { return "\(bytes / unit) \(name)" }
        for (unit, name) in units where bytes >= unit {
            let tenths = bytes / unit * 10 + bytes % unit * 10 / unit
            return "\(tenths / 10).\(tenths % 10) \(name) (\(bytes) bytes)"
        }
        return bytes == 1 ? "1 byte" : "\(bytes) bytes"
    }

    /// One mebibyte: the alignment of every partition.
    public static let mebibyte: UInt64 = 1 << 20
}
