// The external programs this module drives (dosfstools, mtools, qemu-img). They run with a fixed
// environment so their output does not depend on the caller's: UTC (FAT stores local time), the C
// locale, and no personal ~/.mtoolsrc.
import Foundation
import TemporaryFiles

/// An external program and the Debian package that provides it.
struct ExternalTool: Sendable {
    let name: String
    let package: String

    static let mkfsFAT = ExternalTool(name: "mkfs.fat", package: "dosfstools")
    static let mmd = ExternalTool(name: "mmd", package: "mtools")
    static let mcopy = ExternalTool(name: "mcopy", package: "mtools")
    static let mdir = ExternalTool(name: "mdir", package: "mtools")
    static let mtype = ExternalTool(name: "mtype", package: "mtools")
    static let mdel = ExternalTool(name: "mdel", package: "mtools")
    static let mren = ExternalTool(name: "mren", package: "mtools")
    static let qemuImg = ExternalTool(name: "qemu-img", package: "qemu-utils")

    /// What a finished run produced.
    struct Output {
        var status: Int32
        var stdout: Data
        var stderr: String
    }

    /// The executable's path: PATH first, then the sbin directories (mkfs.fat lives in /usr/sbin,
    /// which is not on an ordinary user's PATH).
    func locate() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        for directory in directories where !directory.isEmpty {
            let candidate = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw DiskError.toolMissing(tool: name, package: package)
    }

    /// Runs the tool and returns its output whatever its exit status.
    func run(_ arguments: [String], environment extra: [String: String] = [:]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try locate())
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["TZ"] = "UTC"
        environment["LC_ALL"] = "C"
        environment["MTOOLSRC"] = "/dev/null"
        environment["MTOOLS_SKIP_CHECK"] = "1"
        environment.merge(extra) { $1 }
        process.environment = environment

        // stdout through a pipe read to the end here; stderr into a file, so neither can fill up and block.
        let stdout = Pipe()
        let errorPath = NSTemporaryDirectory() + "/slipway-\(name)-\(UUID().uuidString).err"
        // Registered as it is made, so that an interrupted build removes it.
        _ = try TemporaryRegistry.shared.create {
            guard FileManager.default.createFile(atPath: errorPath, contents: nil) else {
                throw DiskError.io(operation: "create a file for \(name)'s messages", path: errorPath, errno: errno)
            }
            return errorPath
        }
        defer {
            try? FileManager.default.removeItem(atPath: errorPath)
            TemporaryRegistry.shared.unregister(errorPath)
        }
        let stderr = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw DiskError.toolFailed(tool: name, arguments: arguments, status: -1, output: "\(error)")
        }
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try? stderr.close()
        let messages = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
        return Output(status: process.terminationStatus, stdout: output, stderr: messages)
    }

    /// Runs the tool and throws `DiskError.toolFailed` with the end of its messages unless it exits 0.
    @discardableResult
    func check(_ arguments: [String], environment: [String: String] = [:]) throws -> Output {
        let output = try run(arguments, environment: environment)
        guard output.status == 0 else { throw failure(arguments, output) }
        return output
    }

    func failure(_ arguments: [String], _ output: Output) -> DiskError {
        let text = output.stderr.isEmpty ? String(decoding: output.stdout, as: UTF8.self) : output.stderr
        let tail = text.split(separator: "\n").suffix(8).joined(separator: "; ")
        return DiskError.toolFailed(tool: name, arguments: arguments, status: output.status, output: tail)
    }
}
