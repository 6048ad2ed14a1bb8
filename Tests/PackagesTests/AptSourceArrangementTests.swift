import Foundation
import TestSupport
import Testing

@testable import Packages

/// How the private state points apt at sources and keys, against a made-up host configuration and
/// read back with apt-config (apt's own reading of the arguments). No network.
@Suite struct AptSourceArrangementTests {
    /// A host apt directory: a main list, one-line and deb822 parts, keys, and files apt ignores.
    private func hostConfiguration(in scratch: TemporaryDirectory) throws -> String {
        let host = scratch.file("etc-apt")
        let files = [
            "sources.list": "deb http://deb.example.org/debian bookworm main\n",
            "sources.list.d/extra.list": "deb http://extra.example.org/debian bookworm main\n",
            "sources.list.d/debian.sources": "Types: deb\nURIs: http://deb.example.org/debian\nSuites: sid\n"
                + "Components: main\n",
            "sources.list.d/old.list.disabled": "deb http://old.example.org/debian bookworm main\n",
            "trusted.gpg": "",
            "trusted.gpg.d/debian.asc": "",
            "trusted.gpg.d/vendor.gpg": "",
            "trusted.gpg.d/README": "",
        ]
        for (path, text) in files {
            let url = URL(fileURLWithPath: "\(host)/\(path)")
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        return host
    }

    /// apt-config's values for `keys` with these arguments.
    private func aptConfig(_ arguments: [String], _ keys: [String]) throws -> [String: String] {
        var values: [String: String] = [:]
        for key in keys {
            let result = try runTool(["apt-config"] + arguments + ["shell", "VALUE", key])
            values[key] = result.stdout.replacingOccurrences(of: "VALUE='", with: "")
                .trimmingCharacters(in: CharacterSet(charactersIn: "'\n"))
        }
        return values
    }

    /// Where each entry of `directory` links to, or "copy" for a file.
    private func entries(_ directory: String) throws -> [String: String] {
        var found: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            found[name] = (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(directory)/\(name)")) ?? "copy"
        }
        return found
    }

    private let etcKeys = [
        "Dir::Etc::SourceList", "Dir::Etc::SourceParts", "Dir::Etc::Trusted", "Dir::Etc::TrustedParts",
    ]

    @Test func hostOnlyLeavesTheHostConfigurationAlone() throws {
        let harness = try AptHarness()
        let apt = harness.apt()
        #expect(apt.stateDirectory == "\(harness.cache.directory)/apt/amd64")
        let arguments = try apt.aptArguments(lists: apt.privateListsDirectory)
        #expect(!arguments.contains { $0.hasPrefix("Dir::Etc") })
    }

    @Test func customSourcesReadTheHostsThroughLinks() throws {
        let harness = try AptHarness()
        let host = try hostConfiguration(in: harness.scratch)
        let keyring = try LocalRepository([])
        let apt = harness.apt {
            $0.hostAptConfigurationDirectory = host
            $0.sources = ["deb http://custom.example.org/debian bookworm main"]
            $0.keyrings = [keyring.armoredKeyring]
        }
        let state = apt.stateDirectory
        let arguments = try apt.aptArguments(lists: apt.privateListsDirectory)
        #expect(
            try aptConfig(arguments, etcKeys) == [
                "Dir::Etc::SourceList": "\(state)/sources.list", "Dir::Etc::SourceParts": "\(state)/sources.list.d/",
                "Dir::Etc::Trusted": "\(host)/trusted.gpg", "Dir::Etc::TrustedParts": "\(state)/trusted.gpg.d/",
            ])
        #expect(
            try String(contentsOfFile: "\(state)/sources.list", encoding: .utf8)
                == "deb http://custom.example.org/debian bookworm main\n")
        #expect(
            try entries("\(state)/sources.list.d") == [
                "0-sources.list": "\(host)/sources.list", "1-extra.list": "\(host)/sources.list.d/extra.list",
                "1-debian.sources": "\(host)/sources.list.d/debian.sources",
            ])
        #expect(
            try entries("\(state)/trusted.gpg.d") == [
                "host-debian.asc": "\(host)/trusted.gpg.d/debian.asc",
                "host-vendor.gpg": "\(host)/trusted.gpg.d/vendor.gpg", "keyring-1-key.asc": "copy",
            ])
        #expect(
            FileManager.default.contents(atPath: "\(state)/trusted.gpg.d/keyring-1-key.asc")
                == FileManager.default.contents(atPath: keyring.armoredKeyring))

        // apt reads all four sources, the deb822 one included.
        let sources = try runTool(
            ["apt-get"] + arguments + ["indextargets", "--no-release-info", "--format", "$(URI)"])
        let hosts = Set(sources.stdout.split(separator: "\n").compactMap { URL(string: String($0))?.host })
        #expect(hosts == ["custom.example.org", "deb.example.org", "extra.example.org"])
        #expect(sources.stdout.contains("dists/sid/"), "the deb822 part is read")

        // A host file that goes away stops being read at the next run.
        try FileManager.default.removeItem(atPath: "\(host)/sources.list.d/extra.list")
        _ = try apt.aptArguments(lists: apt.privateListsDirectory)
        #expect(try entries("\(state)/sources.list.d").keys.sorted() == ["0-sources.list", "1-debian.sources"])
    }

    /// A host sources.list.d that exists but cannot be listed stops the build: going on would
    /// resolve against fewer sources than the host has, without saying so.
    @Test func anUnreadableHostSourceDirectoryIsAnError() throws {
        let harness = try AptHarness()
        let host = try hostConfiguration(in: harness.scratch)
        try FileManager.default.removeItem(atPath: "\(host)/sources.list.d")
        try Data("not a directory\n".utf8).write(to: URL(fileURLWithPath: "\(host)/sources.list.d"))
        let apt = harness.apt {
            $0.hostAptConfigurationDirectory = host
            $0.sources = ["deb http://custom.example.org/debian bookworm main"]
        }
        let error = try #require(throws: PackagesError.self) {
            _ = try apt.aptArguments(lists: apt.privateListsDirectory)
        }
        #expect(error.package == "\(host)/sources.list.d", "\(error)")
        #expect(error.message == "Not a directory", "\(error)")
    }

    @Test func withoutHostSourcesNothingOfTheHostsIsRead() throws {
        let harness = try AptHarness()
        let host = try hostConfiguration(in: harness.scratch)
        let apt = harness.apt {
            $0.hostAptConfigurationDirectory = host
            $0.sources = ["deb [signed-by=/usr/share/keyrings/x.gpg] http://custom.example.org/debian bookworm main"]
            $0.includeHostSources = false
        }
        let state = apt.stateDirectory
        let arguments = try apt.aptArguments(lists: apt.privateListsDirectory)
        #expect(
            try aptConfig(arguments, etcKeys) == [
                "Dir::Etc::SourceList": "\(state)/sources.list", "Dir::Etc::SourceParts": "\(state)/sources.list.d/",
                "Dir::Etc::Trusted": "\(state)/trusted.gpg", "Dir::Etc::TrustedParts": "\(state)/trusted.gpg.d/",
            ])
        #expect(try entries("\(state)/sources.list.d").isEmpty)
        #expect(try entries("\(state)/trusted.gpg.d").isEmpty)
        #expect(!FileManager.default.fileExists(atPath: "\(state)/trusted.gpg"))
    }

    @Test func eachSetOfSourcesAndKeysHasItsOwnState() throws {
        let harness = try AptHarness()
        let line = "deb http://custom.example.org/debian bookworm main"
        let configurations = [
            AptOptions(),
            AptOptions(sources: [line]),
            AptOptions(sources: [line], includeHostSources: false),
            AptOptions(sources: [line], keyrings: ["/keys/a.gpg"]),
            AptOptions(sources: [line], keyrings: ["/keys/b.gpg"]),
            AptOptions(keyrings: ["/keys/a.gpg"]),
            AptOptions(sources: [line, line + " contrib"]),
        ]
        let directories = configurations.map { Apt(cache: harness.cache, options: $0).stateDirectory }
        #expect(Set(directories).count == configurations.count)
        #expect(directories.allSatisfy { $0.hasPrefix("\(harness.cache.directory)/apt/amd64") })
        // The same settings find the same state again.
        #expect(Apt(cache: harness.cache, options: AptOptions(sources: [line])).stateDirectory == directories[1])
    }
}
