import Foundation
import TestSupport
import Testing

@testable import Packages

@Suite struct AptResolutionCacheTests {
    /// A harness whose "host" lists are a private copy of the host's, so a test may change them.
    private func harnessWithOwnLists() throws -> (AptHarness, String) {
        let harness = try AptHarness()
        let lists = harness.scratch.file("lists")
        try FileManager.default.createDirectory(atPath: lists, withIntermediateDirectories: true)
        let names = try FileManager.default.contentsOfDirectory(atPath: "/var/lib/apt/lists")
        for name in names where name.contains("Release") || name.contains("_Packages") {
            try FileManager.default.copyItem(atPath: "/var/lib/apt/lists/\(name)", toPath: "\(lists)/\(name)")
        }
        return (harness, lists)
    }

    @Test func aSecondResolutionWithTheSameInputsDoesNotRunApt() throws {
        let harness = try AptHarness()
        let apt = harness.apt()
        let first = try apt.resolve(["tini", "busybox-static"])
        let second = try apt.resolve(["tini", "busybox-static"])
        #expect(harness.commands == ["install"])
        #expect(second == first)
        #expect(first.map(\.name).contains("libc6"))

        // Another request, or other settings, are other resolutions.
        _ = try apt.resolve(["tini"])
        _ = try harness.apt { $0.installRecommends = true }.resolve(["tini", "busybox-static"])
        #expect(harness.commands == ["install", "install", "install"])
    }

    @Test func changedPackageListsAreResolvedAgain() throws {
        let (harness, lists) = try harnessWithOwnLists()
        let apt = harness.apt { $0.hostListsDirectory = lists }
        let first = try apt.resolve(["busybox-static"])
        #expect(try apt.resolve(["busybox-static"]) == first)
        #expect(harness.commands == ["install"])

        // apt replaces a list by rename when it updates it: same bytes, a new file.
        let release = try #require(
            try FileManager.default.contentsOfDirectory(atPath: lists).first { $0.hasSuffix("InRelease") })
        try FileManager.default.copyItem(atPath: "\(lists)/\(release)", toPath: "\(lists)/new")
        #expect(rename("\(lists)/new", "\(lists)/\(release)") == 0)
        #expect(try apt.resolve(["busybox-static"]) == first)
        #expect(harness.commands == ["install", "install"])
    }

    @Test func changedAptConfigurationIsResolvedAgain() throws {
        let harness = try AptHarness()
        let configuration = harness.scratch.file("etc-apt")
        try FileManager.default.createDirectory(
            atPath: "\(configuration)/preferences.d", withIntermediateDirectories: true)
        let apt = harness.apt { $0.hostAptConfigurationDirectory = configuration }
        _ = try apt.resolve(["busybox-static"])
        try Data("Package: none\n".utf8).write(to: URL(fileURLWithPath: "\(configuration)/preferences.d/pin"))
        _ = try apt.resolve(["busybox-static"])
        #expect(harness.commands == ["install", "install"])
    }

    @Test func aDamagedKeptResolutionIsIgnored() throws {
        let harness = try AptHarness()
        let apt = harness.apt()
        let first = try apt.resolve(["busybox-static"])
        let kept = "\(apt.stateDirectory)/resolutions"
        for name in try FileManager.default.contentsOfDirectory(atPath: kept) {
            try Data("fingerprint 0\n'http://x/y.deb' y_1_amd64.deb 1 SHA256:00\n".utf8)
                .write(to: URL(fileURLWithPath: "\(kept)/\(name)"))
        }
        #expect(try apt.resolve(["busybox-static"]) == first)
        #expect(harness.commands == ["install", "install"])
    }
}
