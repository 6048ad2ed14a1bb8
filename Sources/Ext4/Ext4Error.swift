import CExt2fs

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Everything that can go wrong while writing an ext4 image: the operation that failed, the path in
/// the tree (or on the host) it concerned, and why.
public struct Ext4Error: Error, Equatable, Sendable, CustomStringConvertible {
    /// Why the operation failed.
    public enum Reason: Equatable, Sendable {
        /// libext2fs returned `code`; `message` is its `error_message()` text.
        case library(code: Int64, message: String)
        /// A system call failed with `errno`.
        case system(errno: Int32, message: String)
        /// The tree needs more space than the image offers.
        case doesNotFit(neededBytes: Int64, availableBytes: Int64, neededInodes: Int, availableInodes: Int)
        /// The tree or the options break a rule of the format; the text names the rule.
        case invalid(String)
    }

    /// What was being done, e.g. "writing file data" or "checking the size".
    public var operation: String
    /// The path inside the tree ("/usr/bin/env"), a host path, or nil for the filesystem as a whole.
    public var path: String?
    public var reason: Reason

    public init(operation: String, path: String? = nil, reason: Reason) {
        self.operation = operation
        self.path = path
        self.reason = reason
    }

    public var description: String {
        let subject = path.map { "\($0): " } ?? ""
        switch reason {
        case .library(_, let message):
            return "ext4: \(subject)\(operation): \(message)"
        case .system(_, let message):
            return "ext4: \(subject)\(operation): \(message)"
        case .invalid(let rule):
            return "ext4: \(subject)\(operation): \(rule)"
        case .doesNotFit(let neededBytes, let availableBytes, let neededInodes, let availableInodes):
            var parts: [String] = []
            if neededBytes > availableBytes {
                parts.append(
                    "the tree needs \(Ext4Error.formatBytes(neededBytes)) of data and metadata "
                        + "but the image has \(Ext4Error.formatBytes(availableBytes)) free")
            }
            if neededInodes > availableInodes {
                parts.append("the tree needs \(neededInodes) inodes but the image has \(availableInodes)")
            }
            return "ext4: \(subject)\(operation): \(parts.joined(separator: "; ")); "
                + "use a larger fixed size or an automatic size"
        }
    }

    /// Bytes as an exact count with a MiB figure beside it, so a size error can be acted on directly.
    static func formatBytes(_ bytes: Int64) -> String {
        let mebibytes = Double(bytes) / 1_048_576
        let rounded = (mebibytes * 10).rounded(.up) / 10
        return "\(bytes) bytes (\(rounded) MiB)"
    }
}

/// The one place that turns a libext2fs `errcode_t` into an `Ext4Error`, with the library's own text.
@inline(__always)
func check(_ code: errcode_t, _ operation: @autoclosure () -> String, path: @autoclosure () -> String? = nil) throws {
    guard code != 0 else { return }
    throw Ext4Error(
        operation: operation(), path: path(), reason: .library(code: Int64(code), message: libraryMessage(code)))
}

/// `error_message()` for a libext2fs code, after registering the ext2 error table once.
func libraryMessage(_ code: errcode_t) -> String {
    _ = errorTableRegistered
    guard let text = error_message(code) else { return "error \(code)" }
    return String(cString: text)
}

/// Registers libext2fs's message table with com_err; Swift runs this initializer exactly once.
private let errorTableRegistered: Void = { initialize_ext2_error_table() }()

/// An `Ext4Error` for a failed system call, read from the current `errno`.
func systemError(_ operation: String, path: String?, errno code: Int32 = errno) -> Ext4Error {
    Ext4Error(operation: operation, path: path, reason: .system(errno: code, message: String(cString: strerror(code))))
}
