// Runs apt-get through Foundation's Process. Standard output is read as it comes (apt's status
// lines drive download progress); standard error goes to a file so a chatty child can never block
// on a full pipe while we wait for it.
import Foundation
import TemporaryFiles

/// What a finished child process said.
struct SubprocessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum Subprocess {
    /// Runs `executable` (a path, or a name looked up on PATH) with `arguments` in `directory`,
    /// calling `onLine` with each line of standard output as it arrives.
    static func run(
        _ executable: String, _ arguments: [String], directory: String? = nil,
        environment: [String: String] = [:], onLine: (String) -> Void = { _ in }
    ) throws -> SubprocessResult {
        let program = try locate(executable)
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("slipway-\(getpid())-\(UUID().uuidString).stderr")
        // Registered as it is made, so that an interrupted build removes it.
        let created = TemporaryRegistry.shared.create {
            FileManager.default.createFile(atPath: scratch.path, contents: nil) ? scratch.path : ""
        }
        defer {
            try? FileManager.default.removeItem(at: scratch)
            TemporaryRegistry.shared.unregister(created)
        }
        guard !created.isEmpty, let errorHandle = try? FileHandle(forWritingTo: scratch) else {
            throw PackagesError(
                package: executable, operation: "run",
                message: "cannot create \(scratch.path) for its error output: check TMPDIR")
        }
        defer { try? errorHandle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = errorHandle
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw PackagesError(package: executable, operation: "run", message: "cannot start \(program): \(error)")
        }
        var collected: [UInt8] = []
        var pending: [UInt8] = []
        let reader = output.fileHandleForReading
        while true {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            collected.append(contentsOf: chunk)
            pending.append(contentsOf: chunk)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                onLine(String(decoding: pending[..<newline], as: UTF8.self))
                pending.removeSubrange(...newline)
            }
        }
        if !pending.isEmpty { onLine(String(decoding: pending, as: UTF8.self)) }
        process.waitUntilExit()
        let errors = (try? Data(contentsOf: scratch)) ?? Data()
        return SubprocessResult(
            status: process.terminationStatus, stdout: String(decoding: collected, as: UTF8.self),
            stderr: String(decoding: errors, as: UTF8.self))
    }

    /// The absolute path of `executable`, searching PATH for a bare name.
    static func locate(_ executable: String) throws -> String {
        if executable.contains("/") {
            if FileManager.default.isExecutableFile(atPath: executable) { return executable }
        } else {
            let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
            for directory in path.split(separator: ":") where !directory.isEmpty {
                let candidate = "\(directory)/\(executable)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        throw PackagesError(
            package: executable, operation: "run",
            message: "\(executable) not found or not executable: install apt (Debian/Ubuntu) or set AptOptions.aptGet")
    }
}
