// The key a resolution is shared under. The local key (Apt+ResolutionCache.swift) stats apt's
// files, which differs on every machine; a second runner with the same mirror state must find the
// same key. So this one digests contents: the request and apt's settings as written in the profile
// (no local paths), the custom keyrings' bytes, apt's version, the host's apt configuration, and
// the signed Release/InRelease files of the lists (which name the digest of every Packages file
// they cover; a Packages file no Release covers is digested itself).
import FileHashing
import Foundation
import Hashing

extension Apt {
    /// The machine-independent key of the resolution of `requests` against the lists in `lists`.
    func sharedResolutionKey(requests: [String], lists: String) -> String {
        var text = ["resolution v1", "architecture \(options.architecture)"]
        text.append("install-recommends \(options.installRecommends)")
        text.append("host-sources \(options.includeHostSources)")
        text += options.sources.map { "source \($0)" }
        text += options.keyrings.map { "keyring \(Self.contentDigest($0))" }
        text += options.settings.map { "setting \($0)" }
        text.append("apt \(aptVersion())")
        let configuration = options.hostAptConfigurationDirectory
        for file in Self.regularFiles(in: configuration, recursive: true) {
            text.append("config \(file.dropFirst(configuration.count)) \(Self.contentDigest(file))")
        }
        let listFiles = Self.regularFiles(in: lists, recursive: false).filter { !$0.hasSuffix("/lock") }
        let releases = listFiles.filter { $0.hasSuffix("_InRelease") || $0.hasSuffix("_Release") }
        let covered = releases.map { String($0.prefix(upTo: $0.lastIndex(of: "_") ?? $0.endIndex)) + "_" }
        for file in listFiles {
            let name = (file as NSString).lastPathComponent
            if releases.contains(file) || !covered.contains(where: { file.hasPrefix($0) }) {
                text.append("list \(name) \(Self.contentDigest(file))")
            } else if !file.hasSuffix(".gpg") {
                text.append("list \(name)")
            }
        }
        text += ["--"] + requests
        return SHA256.hexDigest(Array(text.joined(separator: "\n").utf8))
    }

    /// The first line of `apt-get --version` ("apt 2.6.1 (amd64)"): resolution may change with apt.
    private func aptVersion() -> String {
        guard let result = try? Subprocess.run(options.aptGet, ["--version"], environment: ["LC_ALL": "C.UTF-8"]),
            result.status == 0
        else { return "unknown" }
        return String(result.stdout.split(separator: "\n").first ?? "unknown")
    }

    private static func contentDigest(_ path: String) -> String {
        (try? FileHashing.sha256Hex(ofFile: path)) ?? "unreadable"
    }
}
