// What --json prints when a command fails: the error's text and its problems, each with the place
// it is about where the error says one (file, line, column, key, value), so that a script can point
// at it without parsing messages.
import Build
import Foundation
import Inspect
import Profile

/// One problem of a failure.
struct FailureProblem: Equatable {
    var file: String?
    var line: Int?
    var column: Int?
    var key: String?
    var value: String?
    var message: String

    /// The problems `error` reports: one per profile problem, else one with what the error names.
    static func list(_ error: any Error) -> [FailureProblem] {
        switch error {
        case let errors as ProfileErrors:
            return errors.problems.map {
                FailureProblem(
                    file: $0.file, line: $0.location?.line, column: $0.location?.column,
                    key: $0.keyPath.isEmpty ? nil : $0.keyPath, value: $0.value, message: $0.message)
            }
        case let error as BuildError:
            return [placed(error.path, message: "\(error.operation): \(error.message)")]
        case let error as InspectError:
            return [FailureProblem(file: error.path, message: "\(error.operation): \(error.message)")]
        case let error as CocoaError:
            return [FailureProblem(file: error.filePath ?? error.url?.path, message: FileErrorText.reason(error))]
        default:
            return [FailureProblem(message: "\(error)")]
        }
    }

    /// A problem about `path`, which may be a flag (`--format`), a place (`p.yaml:12:7`) or a file.
    static func placed(_ path: String, message: String) -> FailureProblem {
        if path.hasPrefix("--") { return FailureProblem(key: path, message: message) }
        let parts = path.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count >= 3, let line = Int(parts[parts.count - 2]), let column = Int(parts[parts.count - 1]) {
            return FailureProblem(
                file: parts.dropLast(2).joined(separator: ":"), line: line, column: column, message: message)
        }
        return FailureProblem(file: path, message: message)
    }

    var json: CanonicalValue {
        var entries: [(String, CanonicalValue)] = []
        if let file { entries.append(("file", .string(file))) }
        if let line { entries.append(("line", .integer(Int64(line)))) }
        if let column { entries.append(("column", .integer(Int64(column)))) }
        if let key { entries.append(("key", .string(key))) }
        if let value { entries.append(("value", .string(value))) }
        entries.append(("message", .string(message)))
        return .map(entries)
    }
}

enum FailureJSON {
    /// `{"error": TEXT, CONTEXT..., "problems": [...]}`.
    static func failure(_ text: String, problems: [FailureProblem], context: [(String, CanonicalValue)]) -> String {
        CanonicalValue.map(
            [("error", .string(text))] + context + [("problems", .list(problems.map(\.json)))]
        ).json()
    }
}

/// Foundation's file errors as `PATH: REASON`: their own text ("Error Domain=NSCocoaErrorDomain
/// Code=513 ...") names neither plainly.
enum FileErrorText {
    /// The error's text: `PATH: REASON` for a Foundation file error, else its description.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? CocoaError else { return "\(error)" }
        let path = error.filePath ?? error.url?.path
        return (path.map { "\($0): " } ?? "") + reason(error)
    }

    /// What went wrong, without the path.
    static func reason(_ error: CocoaError) -> String {
        switch error.code {
        case .fileWriteNoPermission, .fileReadNoPermission: "permission denied"
        case .fileWriteFileExists: "a file with that name is in the way"
        case .fileNoSuchFile, .fileReadNoSuchFile: "no such file or directory"
        case .fileWriteVolumeReadOnly: "read-only file system"
        case .fileWriteOutOfSpace: "no space left on the device"
        default: error.localizedDescription
        }
    }
}
