// Remembered resolutions. Asking apt for a closure costs most of a second per packages layer, and
// the answer depends only on the request, apt's settings and what apt reads: the package lists,
// the host's apt configuration and apt itself. So the printed URIs are kept per request, stamped
// with a fingerprint of those inputs, and reused while the fingerprint matches. The fingerprint
// stats files rather than hashing them: apt replaces a list by rename when it changes it, which
// changes its inode and ctime even when the size and (server-set) mtime stay the same.
//
//   <state>/resolutions/<digest of settings and request>   "fingerprint <hex>" then apt's lines
import Foundation
import Hashing

extension Apt {
    /// Where the resolution of `requests` with `arguments` is kept.
    func resolutionCachePath(arguments: [String], requests: [String]) -> String {
        let key = (["resolution v1"] + arguments + ["--"] + requests).joined(separator: "\u{0}")
        return "\(stateDirectory)/resolutions/\(SHA256.hexDigest(Array(key.utf8)))"
    }

    /// The fingerprint of everything outside the request that apt's answer depends on.
    func resolutionInputsFingerprint(lists: String) -> String {
        var text = ""
        // apt keeps its lists flat (partial/ holds downloads in progress); its configuration nests.
        for path in Self.regularFiles(in: lists, recursive: false) where !path.hasSuffix("/lock") {
            text += Self.statLine(path)
        }
        for path in Self.regularFiles(in: options.hostAptConfigurationDirectory, recursive: true) {
            text += Self.statLine(path)
        }
        text += Self.statLine(Self.programPath(options.aptGet))
        // apt's library comes with apt: any package change on the host moves dpkg's status file.
        text += Self.statLine("/var/lib/dpkg/status")
        return SHA256.hexDigest(Array(text.utf8))
    }

    /// apt's printed URI lines for a kept resolution whose inputs are unchanged, or nil.
    func keptResolution(at path: String, fingerprint: String) -> [String]? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        guard lines.first == "fingerprint \(fingerprint)", lines.count > 1 else { return nil }
        return Array(lines.dropFirst())
    }

    /// Keeps `lines` for the next resolution with the same inputs. A failure to keep them only
    /// costs the next build a run of apt, so it is not an error.
    func keepResolution(_ lines: [String], at path: String, fingerprint: String) {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = "\(path).\(getpid()).tmp"
        let text = (["fingerprint \(fingerprint)"] + lines).joined(separator: "\n") + "\n"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
        } catch {
            unlink(temporary)
            notice("could not keep the package resolution in \(directory): \(error.localizedDescription)")
        }
    }

    /// The regular files in `directory` (and below it when `recursive`), not following symbolic
    /// links, sorted; none if it cannot be read.
    static func regularFiles(in directory: String, recursive: Bool) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return [] }
        var files: [String] = []
        while let relative = walker.nextObject() as? String {
            let type = walker.fileAttributes?[.type] as? FileAttributeType
            if type == .typeRegular { files.append("\(directory)/\(relative)") }
            if type == .typeDirectory && !recursive { walker.skipDescendants() }
        }
        return files.sorted()
    }

    /// One line naming the file and the stat fields that change when it does.
    private static func statLine(_ path: String) -> String {
        var info = stat()
        guard stat(path, &info) == 0 else { return "\(path) missing\n" }
        return "\(path) \(info.st_ino) \(info.st_size) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec) "
            + "\(info.st_ctim.tv_sec).\(info.st_ctim.tv_nsec)\n"
    }

    /// `program` as a path: itself when it has a slash, else its first match on PATH.
    private static func programPath(_ program: String) -> String {
        if program.contains("/") { return program }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") where access("\(directory)/\(program)", X_OK) == 0 {
            return "\(directory)/\(program)"
        }
        return program
    }
}
