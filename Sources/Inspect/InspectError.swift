// The one error type of the Inspect module. Errors of the Disk module (a damaged GPT, an
// unreadable file) pass through unchanged.
import Foundation

/// A failure to read an image back, naming the operation, the file and what went wrong.
public struct InspectError: Error, Equatable, Sendable, CustomStringConvertible {
    public var operation: String
    public var path: String
    public var message: String

    public init(operation: String, path: String, message: String) {
        self.operation = operation
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(operation): \(message)" }
}

/// Turns a libblkid return code into `InspectError` (libblkid has no message function: negative codes
/// leave errno set, which is reported when there is one). Returns non-negative codes unchanged.
@discardableResult
func checkBlkid(_ code: Int32, _ operation: String, path: String) throws -> Int32 {
    guard code < 0 else { return code }
    let reason = errno != 0 ? String(cString: strerror(errno)) : "failed"
    throw InspectError(operation: operation, path: path, message: "libblkid returned \(code): \(reason)")
}
