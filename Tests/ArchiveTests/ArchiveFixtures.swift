import Archive
import Foundation
import TestSupport
import Testing

/// Runs a python3 snippet that builds fixtures with the standard library's `tarfile`, in `directory`.
func python(_ script: String, in directory: String) throws {
    let result = try runTool(["python3", "-c", "import os\nos.chdir(\(pythonString(directory)))\n" + script])
    guard result.status == 0 else {
        throw FixtureError(message: "python3 failed (\(result.status)): \(result.stderr)")
    }
}

/// Runs a tool, failing the fixture step if it fails.
func tool(_ arguments: [String]) throws {
    let result = try runTool(arguments)
    guard result.status == 0 else {
        throw FixtureError(message: "\(arguments.joined(separator: " ")) failed: \(result.stderr)")
    }
}

func pythonString(_ text: String) -> String {
    "'" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
}

struct FixtureError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Every member of an archive with its data, read to the end.
func readEverything(_ reader: ArchiveReader) throws -> [(entry: ArchiveEntry, data: [UInt8])] {
    var members: [(entry: ArchiveEntry, data: [UInt8])] = []
    while let entry = try reader.next() {
        members.append((entry, try reader.readAll()))
    }
    return members
}

func bytes(ofFile path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}
