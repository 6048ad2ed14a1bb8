// The one error type of the Archive module.

/// A failure reading or writing an archive, with the archive's path and libarchive's own message.
public struct ArchiveError: Error, CustomStringConvertible, Sendable {
    /// The archive (a file path, or a label such as "data.tar.xz in foo.deb").
    public var archive: String
    /// What was being done: "open", "read header", "read data of usr/bin/env", "write"...
    public var operation: String
    /// libarchive's message, or our own rule for a rejected entry.
    public var message: String

    public init(archive: String, operation: String, message: String) {
        self.archive = archive
        self.operation = operation
        self.message = message
    }

    public var description: String { "\(archive): \(operation): \(message)" }
}
