// Small wrappers around TestSupport for single-file fixtures.
import Foundation
import TestSupport

/// A file with given contents in a fresh temporary directory.
final class TemporaryFile {
    let directory: TemporaryDirectory
    let path: String

    init(_ bytes: [UInt8], name: String = "file") throws {
        directory = try TemporaryDirectory("fixture")
        path = directory.file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}

/// The standard output of a tool that must succeed.
func runToolOutput(_ arguments: [String]) throws -> String {
    let result = try runTool(arguments)
    guard result.status == 0 else { throw POSIXError(.EIO) }
    return result.stdout
}
