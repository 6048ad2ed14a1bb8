import Foundation
import Profile
import TestSupport

/// Profile files written into a fresh temporary directory, loaded by absolute path; problems come
/// back as their one-line messages with the directory taken off, so tables read `p.yaml:3:1: ...`.
final class ProfileFixture {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory("profile-test") }

    /// Writes `text` to `name` (creating parent directories) and returns its absolute path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let path = directory.file(name)
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func makeDirectory(_ name: String) throws {
        try FileManager.default.createDirectory(atPath: directory.file(name), withIntermediateDirectories: true)
    }

    /// Loads `name`; throws the test out if the profile is invalid.
    func load(_ name: String) throws -> Profile {
        do {
            return try Profile.load(path: directory.file(name))
        } catch {
            throw FixtureError(messages: messages(error))
        }
    }

    /// The problems of loading `name`, as relative messages; empty when it is valid.
    func problems(_ name: String) -> [String] {
        do {
            _ = try Profile.load(path: directory.file(name))
            return []
        } catch {
            return messages(error)
        }
    }

    private func messages(_ errors: ProfileErrors) -> [String] {
        errors.problems.map { $0.description.replacingOccurrences(of: directory.path + "/", with: "") }
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let messages: [String]
    var description: String { messages.joined(separator: "\n") }
}

/// The smallest valid profile; cases append to it or replace parts.
let minimalProfile = """
    name: t
    root:
      layers:
        - packages: [busybox-static]

    """
