// The one error type of the Rootfs module: every failure names the layer, the entry and the rule.
import Quoting

/// A layer could not be read or merged. `description` reads like
/// `layer base.tar.gz: entry "../etc/passwd": ".." is not allowed in layer paths`.
public struct RootfsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The layer: its file, an OCI layout or `docker save` archive with the layer's place in it, or
    /// the label the caller gave (for example "data.tar.xz of docker.io_20.10.24_amd64.deb").
    public var layer: String
    /// The entry's name exactly as the layer stores it, when the failure concerns one entry.
    public var entry: String?
    /// The rule that was broken, with the values involved.
    public var rule: Rule

    public init(layer: String, entry: String? = nil, rule: Rule) {
        self.layer = layer
        self.entry = entry
        self.rule = rule
    }

    public var description: String {
        var text = "layer \(layer)"
        if let entry { text += ": entry \(quoted(entry))" }
        return text + ": " + rule.description
    }

    /// What went wrong. Each case is one rule, so callers and tests can tell them apart.
    public enum Rule: Equatable, Sendable, CustomStringConvertible {
        // Names (`TreePath.validated`).
        case emptyPath
        case nulInPath
        case absolutePath
        case parentReference
        case componentTooLong(bytes: Int)
        case pathTooLong(bytes: Int)
        // Entries of one layer.
        case whiteoutNamesNothing
        case whiteoutAsDirectory(String)
        case whiteoutOutsideDirectory(String)
        case rootNotDirectory
        case invalidLinkTarget(String)
        case tooManyEntries(limit: Int)
        case fileTooLarge(size: Int64, limit: Int64)
        case contentLimit(limit: Int64)
        case dataExceedsSize(size: Int64)
        // Merging a layer onto the layers below it.
        case parentIsSymlink(String)
        case parentNotDirectory(String)
        case hardlinkTargetMissing(String)
        case hardlinkToDirectory(String)
        /// The link's target breaks a naming rule; the entry is the link, the reason the target's rule.
        case invalidHardlinkTarget(target: String, reason: String)
        // Reading sources.
        case archive(operation: String, message: String)
        case io(operation: String, path: String, message: String)
        case layout(String)
        case digestMismatch(blob: String, actual: String)
        case sizeMismatch(blob: String, expected: Int64, actual: Int64)
        case unsupportedMediaType(String)

        public var description: String {
            switch self {
            case .emptyPath: "empty names are not allowed in layer paths"
            case .nulInPath: "NUL bytes are not allowed in layer paths"
            case .absolutePath:
                "absolute paths are not allowed in layer paths; names must be relative to the layer root"
            case .parentReference: "\"..\" is not allowed in layer paths"
            case .componentTooLong(let bytes):
                "a path component is \(bytes) bytes; names are limited to \(TreePath.maximumComponentBytes) bytes"
            case .pathTooLong(let bytes):
                "the path is \(bytes) bytes; paths are limited to \(TreePath.maximumPathBytes) bytes"
            case .whiteoutNamesNothing: "the whiteout \".wh.\" names no file to delete"
            case .whiteoutOutsideDirectory(let name):
                "the whiteout \(quoted(name)) names its own directory or its parent; a whiteout deletes one entry "
                    + "of the directory it is in"
            case .whiteoutAsDirectory(let name):
                "the whiteout name \(quoted(name)) is used as a directory; whiteouts are empty files"
            case .rootNotDirectory: "only a directory may stand for the root of the tree"
            case .invalidLinkTarget(let reason): "invalid symbolic link target: \(reason)"
            case .tooManyEntries(let limit):
                "the layer has more than \(limit) entries; raise RootfsLimits.maximumEntriesPerLayer if that is intended"
            case .fileTooLarge(let size, let limit):
                "the header claims \(size) bytes, over the \(limit)-byte file limit (RootfsLimits.maximumFileSize)"
            case .contentLimit(let limit):
                "file contents exceed \(limit) bytes in total (RootfsLimits.maximumContentBytes); "
                    + "is the layer a decompression bomb, or does the image need a larger limit?"
            case .dataExceedsSize(let size): "the data runs past the \(size) bytes its header declares"
            case .parentIsSymlink(let path):
                "parent \(quoted(path)) is a symbolic link in the tree; layers may not write through links"
            case .parentNotDirectory(let path): "parent \(quoted(path)) exists in the tree and is not a directory"
            case .hardlinkTargetMissing(let target):
                "hard link target \(quoted(target)) is not in this layer (before the link) or a lower one"
            case .hardlinkToDirectory(let target):
                "hard link target \(quoted(target)) is a directory; directories cannot be hard-linked"
            case .invalidHardlinkTarget(let target, let reason): "hard link target \(quoted(target)): \(reason)"
            case .archive(let operation, let message): "\(operation): \(message)"
            case .io(let operation, let path, let message): "cannot \(operation) \(path): \(message)"
            case .layout(let message): message
            case .digestMismatch(let blob, let actual):
                "blob \(blob) has digest sha256:\(actual); the image is damaged or was altered, fetch it again"
            case .sizeMismatch(let blob, let expected, let actual):
                "blob \(blob) is \(actual) bytes but its descriptor says \(expected); fetch the image again"
            case .unsupportedMediaType(let type):
                "layer media type \(quoted(type)) is not supported; expected an OCI or Docker tar layer, "
                    + "uncompressed or compressed with gzip or zstd"
            }
        }
    }
}

/// `text` in double quotes, with quotes, backslashes and control characters escaped, so a hostile
/// name cannot forge or hide parts of a message on a terminal.
func quoted(_ text: String) -> String { Quoting.doubleQuoted(text, escapingC1: true) }
