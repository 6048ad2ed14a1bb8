import Foundation
import TestSupport
import Testing

@testable import Packages

/// Custom sources with and without the host's, and the keys that make a signed repository trusted,
/// against a signed file:// repository made for each test.
@Suite struct AptSourcesTests {
    /// `local-app` needs a Debian package; `local-base` needs nothing.
    private static func repository() throws -> LocalRepository {
        try LocalRepository([
            .init(name: "local-app", depends: "local-base, busybox-static"), .init(name: "local-base"),
        ])
    }

    @Test func customSourcesAddToTheHostsAndResolveTogether() throws {
        let repository = try Self.repository()
        let harness = try AptHarness()
        let apt = harness.apt {
            $0.sources = [repository.sourceLine()]
            $0.keyrings = [repository.binaryKeyring]
        }

        let resolved = try apt.resolve(["local-app"])
        #expect(resolved.map(\.name) == ["busybox-static", "local-app", "local-base"])
        let local = try #require(resolved.first { $0.name == "local-app" })
        #expect(local.uri == "file:\(repository.root)/pool/local-app_1.0_amd64.deb")
        #expect(local.sha256 == repository.sha256["local-app"])
        // The Debian package is the one the host's own sources offer.
        #expect(resolved.first?.sha256 == (try aptCacheShow("busybox-static"))["SHA256"])
        #expect(harness.notices.all.first?.hasPrefix("no package lists yet for the host and custom sources") == true)

        let fetched = try apt.fetch(resolved.filter { $0.name == "local-base" })
        #expect(try sha256sum(try #require(fetched.first).path) == repository.sha256["local-base"])
    }

    @Test func withoutHostSourcesOnlyTheCustomOnesAreRead() throws {
        let repository = try Self.repository()
        let harness = try AptHarness()
        let apt = harness.apt {
            $0.sources = [repository.sourceLine()]
            $0.includeHostSources = false
            $0.keyrings = [repository.armoredKeyring]
        }

        #expect(try apt.resolve(["local-base"]).map(\.name) == ["local-base"])
        let error = try #require(throws: PackagesError.self) { try apt.resolve(["tini"]) }
        #expect(error.package == "tini")
        #expect(error.operation == "resolve")
        #expect(error.message.contains("Unable to locate package tini"))
        // Named by a local package but offered by none of the sources.
        let named = try #require(throws: PackagesError.self) { try apt.resolve(["busybox-static"]) }
        #expect(named.message.contains("Package 'busybox-static' has no installation candidate"))
        let unmet = try #require(throws: PackagesError.self) { try apt.resolve(["local-app"]) }
        #expect(unmet.package == "local-app")
        #expect(
            unmet.message.hasPrefix("unmet dependency: local-app depends on busybox-static but it is not installable"))
        // Only the given key is trusted: none of the host's.
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: "\(apt.stateDirectory)/trusted.gpg.d")
                == ["keyring-1-key.asc"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(apt.stateDirectory)/sources.list.d").isEmpty)
    }

    @Test func aSignedRepositoryNeedsItsKey() throws {
        let repository = try Self.repository()
        let harness = try AptHarness()
        let untrusted = harness.apt {
            $0.sources = [repository.sourceLine()]
            $0.includeHostSources = false
        }
        let error = try #require(throws: PackagesError.self) { try untrusted.resolve(["local-base"]) }
        #expect(error.package == "custom sources")
        #expect(error.operation == "refresh package lists")
        #expect(error.message.contains("is not signed"))
        #expect(error.message.contains("NO_PUBKEY"))
        #expect(
            error.message.hasSuffix(
                "trust its key with a keyring (apt.keyrings in a profile) or name the key file with [signed-by=FILE] in its source"
            ))

        let trusted = harness.apt {
            $0.sources = [repository.sourceLine()]
            $0.includeHostSources = false
            $0.keyrings = [repository.binaryKeyring]
        }
        #expect(trusted.stateDirectory != untrusted.stateDirectory)
        #expect(try trusted.resolve(["local-base"]).map(\.name) == ["local-base"])

        // A source's own signed-by key needs no keyring.
        let signedBy = harness.apt {
            $0.sources = [repository.sourceLine(options: "signed-by=\(repository.binaryKeyring)")]
            $0.includeHostSources = false
        }
        #expect(try signedBy.resolve(["local-base"]).map(\.name) == ["local-base"])
    }

    @Test func keyringsAreCheckedBeforeAptSeesThem() throws {
        let scratch = try TemporaryDirectory("slipway-keyrings")
        let keybox = [UInt8](repeating: 0, count: 8) + Array("KBXf".utf8) + [UInt8](repeating: 0, count: 20)
        try Data(keybox).write(to: URL(fileURLWithPath: scratch.file("pubring.kbx")))
        try Data("not a key\n".utf8).write(to: URL(fileURLWithPath: scratch.file("notes.txt")))
        let cases: [(String, String)] = [
            ("missing.gpg", "no such file; give the path of a keyring file (gpg --export KEYID > FILE writes one)"),
            (
                "pubring.kbx",
                "this is a GnuPG keybox (pubring.kbx), which apt cannot read; export the key with gpg --export KEYID > FILE"
            ),
            (
                "notes.txt",
                "not an OpenPGP public keyring: expected the binary form (gpg --export KEYID) or the armored form "
                    + "(gpg --armor --export KEYID)"
            ),
            ("", "expected a keyring file, found a directory"),
        ]
        for (name, message) in cases {
            let path = name.isEmpty ? scratch.path : scratch.file(name)
            #expect(throws: PackagesError(package: path, operation: "trust keyring", message: message)) {
                try Apt.checkKeyring(atPath: path)
            }
        }
        // apt is not run with a bad keyring.
        let harness = try AptHarness()
        let apt = harness.apt { $0.keyrings = [scratch.file("notes.txt")] }
        #expect(throws: PackagesError.self) { try apt.resolve(["busybox-static"]) }
        #expect(harness.commands.isEmpty)
    }

    @Test func noSourcesAtAllIsAnError() throws {
        let harness = try AptHarness()
        let apt = harness.apt { $0.includeHostSources = false }
        #expect(
            throws: PackagesError(
                package: "apt sources", operation: "configure apt",
                message: "no sources: the host's sources are left out and no custom source is given; list sources "
                    + "(apt.sources in a profile) or include the host's")
        ) {
            try apt.resolve(["busybox-static"])
        }
        #expect(harness.commands.isEmpty)
    }
}
