import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A private directory for one run: the disk overlay, the firmware variable store, the monitor socket and
/// QEMU's stderr. Removed when the machine stops, so a throwaway run leaves nothing behind.
final class RunDirectory: @unchecked Sendable {
    let path: String

    init() throws(RunnerError) {
        let base = NSTemporaryDirectory().hasSuffix("/") ? NSTemporaryDirectory() : NSTemporaryDirectory() + "/"
        var template = Array((base + "slipway-run-XXXXXX").utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }
        guard created != nil else {
            throw RunnerError(
                .io, operation: "create run directory", subject: base,
                message: "\(String(cString: strerror(errno))); set TMPDIR to a writable directory")
        }
        // mkdtemp filled in the Xs in place; drop the terminating NUL.
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func file(_ name: String) -> String { path + "/" + name }

    /// Copies the firmware's variable store into this directory and returns the firmware that uses the copy.
    func privateFirmware(_ firmware: Firmware) throws(RunnerError) -> Firmware {
        try firmware.check()
        let copy = file("OVMF_VARS.fd")
        do {
            try FileManager.default.copyItem(atPath: firmware.variables, toPath: copy)
        } catch {
            throw RunnerError(
                .io, operation: "copy UEFI variable store", subject: firmware.variables, message: "\(error)")
        }
        return Firmware(code: firmware.code, variables: copy, secureBoot: firmware.secureBoot)
    }

    /// The disk to attach: the image itself with `persist`, else a new qcow2 overlay backed by it
    /// (as large as `sizeMiB` when that is given).
    func disk(for attachment: DiskAttachment, qemuImg: String) throws(RunnerError) -> PlannedDisk {
        let image = URL(fileURLWithPath: attachment.path).standardizedFileURL.path
        let format = try ImageFormat.detect(path: image)
        if attachment.persist {
            guard format != .vmdk else {
                throw RunnerError(
                    .invalidConfiguration, operation: "attach disk image", subject: image,
                    message: "--persist writes into the image, and a streamOptimized VMDK cannot be rewritten in "
                        + "place: boot NAME.img (or NAME.qcow2) with --persist, or leave --persist out")
            }
            return PlannedDisk(path: image, format: format, throwaway: false)
        }
        var size: [String] = []
        if let sizeMiB = attachment.sizeMiB {
            let imageBytes = try format.virtualSize(path: image)
            guard UInt64(sizeMiB) << 20 >= imageBytes else {
                throw RunnerError(
                    .invalidConfiguration, operation: "size the disk", subject: image,
                    message: "the image is \((imageBytes + (1 << 20) - 1) >> 20) MiB; a disk of \(sizeMiB) MiB "
                        + "would cut it short: give a larger size")
            }
            size = ["\(sizeMiB)M"]
        }
        let overlay = file("overlay.qcow2")
        let tool = try Executable.find(qemuImg, package: "qemu-utils")
        let result = try Executable.run(
            tool, ["create", "-q", "-f", "qcow2", "-b", image, "-F", format.rawValue, overlay] + size)
        guard result.status == 0 else {
            throw RunnerError(
                .qemuFailed, operation: "create overlay", subject: image,
                message: "qemu-img exited with status \(result.status): \(result.stderr.trimmed)")
        }
        return PlannedDisk(path: overlay, format: .qcow2, throwaway: true)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Finding and running helper programs.
enum Executable {
    /// `name` if it contains a slash, else the first executable of that name in PATH.
    static func find(_ name: String, package: String) throws(RunnerError) -> String {
        let files = FileManager.default
        if name.contains("/") {
            if files.isExecutableFile(atPath: name) { return name }
        } else {
            let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
            for directory in path.split(separator: ":") where files.isExecutableFile(atPath: "\(directory)/\(name)") {
                return "\(directory)/\(name)"
            }
        }
        throw RunnerError(
            .qemuFailed, operation: "find \(name)", subject: name,
            message: "no such executable; install it (Debian: apt-get install \(package)) or put it on PATH")
    }

    /// Runs a short-lived tool to completion and returns its status and stderr.
    static func run(_ tool: String, _ arguments: [String]) throws(RunnerError) -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw RunnerError(.qemuFailed, operation: "start \(tool)", message: "\(error)")
        }
        // Read before waiting, so a chatty tool cannot block on a full pipe.
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stderr, as: UTF8.self))
    }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
