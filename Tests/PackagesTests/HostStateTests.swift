import Foundation
import TestSupport
import Testing

@testable import Packages

@Suite struct HostStateTests {
    /// Every file and directory under `paths` with its size and modification time.
    private func snapshot(_ paths: [String]) -> [String: String] {
        var entries: [String: String] = [:]
        func record(_ path: String) {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return }
            let size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
            let time = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            entries[path] = "\(size) \(time)"
        }
        for path in paths {
            record(path)
            let enumerator = FileManager.default.enumerator(atPath: path)
            while let relative = enumerator?.nextObject() as? String { record("\(path)/\(relative)") }
        }
        return entries
    }

    private let hostPaths = [
        "/var/lib/dpkg/status", "/var/lib/dpkg/lock", "/var/lib/dpkg/updates", "/var/cache/apt",
        "/var/lib/apt",
    ]

    @Test func resolvingFetchingAndRefreshingLeaveTheHostAlone() throws {
        let before = snapshot(hostPaths)
        #expect(before["/var/lib/dpkg/status"] != nil)
        let harness = try AptHarness()
        let apt = harness.apt()
        _ = try apt.fetch(try apt.resolve(["tini"]))
        try apt.refresh()
        _ = try apt.resolve(["busybox-static"])
        #expect(harness.commands == ["install", "download", "update", "install"])
        #expect(snapshot(hostPaths) == before)
    }

    @Test func thePrivateConfigurationPointsAwayFromTheHost() throws {
        let harness = try AptHarness()
        let apt = harness.apt()
        let arguments = try apt.aptArguments(lists: "/var/lib/apt/lists")
        let dump = try runTool(["apt-config"] + arguments + ["dump"])
        #expect(dump.status == 0)
        var settings: [String: [String]] = [:]
        for line in dump.stdout.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let value = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\";"))
            // List items are dumped as "Key:: value".
            let key = parts[0].hasSuffix("::") ? parts[0].dropLast(2) : parts[0]
            settings[String(key), default: []].append(value)
        }
        let state = "\(harness.cache.directory)/apt/amd64"
        #expect(settings["Dir::State::status"] == ["\(state)/status"])
        #expect(try String(contentsOfFile: "\(state)/status", encoding: .utf8).isEmpty)
        #expect(settings["Dir::Cache::archives"] == ["\(state)/cache/archives/"])
        #expect(settings["Debug::NoLocking"] == ["1"])
        #expect(settings["APT::Install-Recommends"] == ["false"])
        #expect(settings["APT::Architecture"] == ["amd64"])
        #expect(settings["APT::Architectures"] == ["", "amd64"])
        // Hooks that the host's configuration attaches (Debian images delete /var/cache/apt/archives/*.deb
        // after every update) are cleared: none has a command left.
        let hooks = settings.filter { $0.key.contains("Invoke") || $0.key.contains("Pre-Install-Pkgs") }
        #expect(hooks.values.allSatisfy { $0.allSatisfy(\.isEmpty) })
    }

    @Test func aptNeedsNoRootWithThesePaths() throws {
        guard geteuid() == 0 else {
            // Already unprivileged: every other test in this suite is the proof.
            return
        }
        let harness = try AptHarness()
        let apt = harness.apt()
        let arguments = try apt.aptArguments(lists: "/var/lib/apt/lists", asRoot: false)
        let downloads = harness.scratch.file("downloads")
        try FileManager.default.createDirectory(atPath: downloads, withIntermediateDirectories: true)
        // The scratch directory sits in root's temporary directory; let the unprivileged user in.
        try runTool(["chmod", "755", harness.scratch.path])
        try runTool(["chown", "-R", "65534:65534", harness.scratch.path])
        let asNobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
        let resolve = try runTool(asNobody + ["apt-get"] + arguments + ["install", "--print-uris", "-qq", "tini"])
        #expect(resolve.status == 0, "\(resolve.stderr)")
        #expect(resolve.stdout.contains("tini_") && resolve.stdout.contains("SHA256:"))
        let download = try runTool(
            asNobody + ["sh", "-c", "cd \"$0\" && exec apt-get \"$@\"", downloads] + arguments + [
                "download", "-q", "tini",
            ])
        #expect(download.status == 0, "\(download.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: downloads).contains { $0.hasPrefix("tini_") })
    }
}
