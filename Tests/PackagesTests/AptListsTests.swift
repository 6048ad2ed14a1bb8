import Foundation
import TestSupport
import Testing

@testable import Packages

@Suite struct AptListsTests {
    /// Whether `directory` holds a package index for `architecture`.
    private func hasIndex(_ directory: String, _ architecture: String) -> Bool {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.contains { $0.contains("_binary-\(architecture)_Packages") }
    }

    @Test func emptyHostListsAreRefreshedPrivatelyAndSaid() throws {
        let harness = try AptHarness()
        let emptyLists = harness.scratch.file("empty-host-lists")
        try FileManager.default.createDirectory(atPath: emptyLists, withIntermediateDirectories: true)
        let apt = harness.apt { $0.hostListsDirectory = emptyLists }
        let privateLists = "\(harness.cache.directory)/apt/amd64/lists"

        let resolved = try apt.resolve(["busybox-static"])
        #expect(
            harness.notices.all == [
                "the host's package lists in \(emptyLists) have no index for amd64: refreshing private package "
                    + "lists in \(privateLists)"
            ])
        #expect(harness.commands == ["update", "install"])
        #expect(hasIndex(privateLists, "amd64"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: emptyLists).isEmpty)
        #expect(resolved.map(\.name) == ["busybox-static"])
        #expect(resolved.first?.sha256 == (try aptCacheShow("busybox-static"))["SHA256"])

        // The private lists are reused: no second refresh.
        _ = try apt.resolve(["tini"])
        #expect(harness.commands == ["update", "install", "install"])
        #expect(harness.notices.all.count == 1)
    }

    @Test func anExplicitRefreshIsUsedWhileItIsNewer() throws {
        let harness = try AptHarness()
        let apt = harness.apt()
        #expect(try apt.listsInUse() == "/var/lib/apt/lists")
        try apt.refresh()
        #expect(try apt.listsInUse() == "\(harness.cache.directory)/apt/amd64/lists")
        #expect(try apt.resolve(["busybox-static"]).count == 1)
        #expect(harness.commands == ["update", "install"])
    }

    @Test func anotherArchitectureGetsItsOwnLists() throws {
        let harness = try AptHarness()
        let apt = harness.apt { $0.architecture = "arm64" }
        let fetched = try apt.fetch(try apt.resolve(["busybox-static"]))
        #expect(harness.notices.all.first?.contains("have no index for arm64") == true)
        #expect(hasIndex("\(harness.cache.directory)/apt/arm64/lists", "arm64"))
        #expect(!hasIndex("\(harness.cache.directory)/apt/arm64/lists", "amd64"), "only the image's architecture")
        let package = try DebianPackage(cached: try #require(fetched.first))
        #expect(package.architecture == "arm64")
        let file = try runTool([
            "sh", "-c", "dpkg-deb --fsys-tarfile \"$1\" | tar -xOf - ./bin/busybox | file -", "sh",
            fetched[0].path,
        ])
        #expect(file.stdout.contains("ARM aarch64") || file.status != 0)
    }

    @Test func customSourcesHaveTheirOwnState() throws {
        // The host's main suite, written as a custom source, so no mirror is named here.
        let policy = try runTool(["apt-cache", "policy"]).stdout
        var source: String?
        for line in policy.split(separator: "\n") {
            let words: [String] = line.split(separator: " ").map(String.init)
            guard words.count == 5, words[3] == "amd64", words[4] == "Packages", !words[2].contains("-") else {
                continue
            }
            let suite = words[2].split(separator: "/")
            source = "deb \(words[1]) \(suite[0]) \(suite[1])"
            break
        }
        let sourceLine = try #require(source)
        let harness = try AptHarness()
        let apt = harness.apt {
            $0.sources = [sourceLine]
            $0.includeHostSources = false
            // Without the host's sources, the host's keys are not trusted either.
            $0.keyrings = ["/usr/share/keyrings/debian-archive-keyring.gpg"]
        }

        let resolved = try apt.resolve(["tini"])
        #expect(resolved.map(\.name) == ["gcc-12-base", "libc6", "libgcc-s1", "tini"])
        let state = try #require(
            try FileManager.default.contentsOfDirectory(atPath: "\(harness.cache.directory)/apt").first)
        #expect(state.hasPrefix("amd64-") && state.count == "amd64-".count + 16)
        let lists = "\(harness.cache.directory)/apt/\(state)/lists"
        #expect(
            harness.notices.all == [
                "no package lists yet for the custom sources: refreshing private package lists in \(lists)"
            ])
        #expect(
            try String(contentsOfFile: "\(harness.cache.directory)/apt/\(state)/sources.list", encoding: .utf8)
                == sourceLine + "\n")
        #expect(try apt.listsInUse() == lists)
    }

    @Test func unreachableSourcesFailWithApt() throws {
        let harness = try AptHarness()
        let apt = harness.apt {
            $0.sources = ["deb http://127.0.0.1:9/debian bookworm main"]
            $0.includeHostSources = false
            $0.settings = ["Acquire::Retries=0"]
        }
        let error = try #require(throws: PackagesError.self) { try apt.resolve(["tini"]) }
        #expect(error.package == "custom sources")
        #expect(error.operation == "refresh package lists")
        #expect(error.message.contains("127.0.0.1:9"))
    }

    @Test(arguments: ["", "AMD64", "amd64 i386", "x\";", "a\u{301}md64"])
    func architectureNamesAreChecked(architecture: String) throws {
        let harness = try AptHarness()
        let apt = harness.apt { $0.architecture = architecture }
        #expect(
            throws: PackagesError(
                package: architecture, operation: "configure apt",
                message: "expected a Debian architecture name such as amd64 or arm64")
        ) {
            try apt.resolve(["tini"])
        }
        #expect(harness.commands.isEmpty)
    }

    @Test func settingsMustBeKeyValue() throws {
        let harness = try AptHarness()
        let apt = harness.apt { $0.settings = ["Acquire::Retries"] }
        #expect(
            throws: PackagesError(
                package: "Acquire::Retries", operation: "configure apt",
                message: "expected an apt setting as Key=Value, such as Acquire::Retries=0")
        ) {
            try apt.resolve(["tini"])
        }
    }
}
