// Shared set-up for the package tests: a fresh cache, apt-get behind a wrapper that logs each
// invocation (the real apt-get still does the work), and a record of the notices apt reported.
import Foundation
import Packages
import TestSupport

/// Collects notices from any thread.
final class NoticeLog: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}

/// A private cache and apt-get wrapper in a temporary directory, removed with the value.
final class AptHarness {
    let scratch: TemporaryDirectory
    let cache: PackageCache
    let notices = NoticeLog()
    private let log: String
    let wrapper: String

    init() throws {
        scratch = try TemporaryDirectory("slipway-packages")
        cache = PackageCache(directory: scratch.file("cache"))
        log = scratch.file("apt-get.log")
        wrapper = scratch.file("apt-get")
        let script = "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '\(log)'\nexec /usr/bin/apt-get \"$@\"\n"
        try Data(script.utf8).write(to: URL(fileURLWithPath: wrapper))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: wrapper)
    }

    /// An `Apt` on this harness's cache; `configure` adjusts the options (the wrapper is already set).
    func apt(_ configure: (inout AptOptions) -> Void = { _ in }) -> Apt {
        var options = AptOptions(aptGet: wrapper)
        configure(&options)
        let notices = self.notices
        return Apt(cache: cache, options: options) { notices.append($0) }
    }

    /// The apt-get sub-commands run so far ("install", "download", "update"), in order.
    var commands: [String] {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        let verbs: Set<String> = ["install", "download", "update"]
        return text.split(separator: "\n").compactMap { line in
            line.split(separator: " ").map(String.init).first(where: verbs.contains)
        }
    }
}

/// A package's fields as the host's own apt-cache reports them: the independent oracle.
func aptCacheShow(_ name: String) throws -> [String: String] {
    let result = try runTool(["apt-cache", "show", "--no-all-versions", name])
    var fields: [String: String] = [:]
    for line in result.stdout.split(separator: "\n") {
        guard let colon = line.firstIndex(of: ":"), line.first != " " else { continue }
        fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    return fields
}

/// sha256sum's digest of a file.
func sha256sum(_ path: String) throws -> String {
    let result = try runTool(["sha256sum", path])
    return String(result.stdout.prefix(64))
}
