import Foundation
import Packages
import TestSupport
import Testing

@testable import Build

/// The profile's `apt:` section as the build hands it to apt.
@Suite struct AptOptionsMappingTests {
    @Test func everyKeyReachesApt() throws {
        let scratch = try TemporaryDirectory("slipway-apt-mapping")
        try FileManager.default.createDirectory(atPath: scratch.file("keys"), withIntermediateDirectories: true)
        try Data("-----BEGIN PGP PUBLIC KEY BLOCK-----\n".utf8).write(
            to: URL(fileURLWithPath: scratch.file("keys/extra.asc")))
        let profile = try DockerHostFixtures.profile(
            """
            apt:
              host-sources: false
              sources: ["deb http://deb.example.org/debian bookworm main"]
              keyrings: [keys/extra.asc]
              install-recommends: true

            """, in: scratch)
        let options = try Builder.aptOptions(profile)
        #expect(options.sources == ["deb http://deb.example.org/debian bookworm main"])
        #expect(options.includeHostSources == false)
        #expect(options.keyrings == [scratch.file("keys/extra.asc")])
        #expect(options.installRecommends)
        #expect(options.architecture == "amd64")
    }

    @Test func defaultsUseTheHostsSourcesAndKeys() throws {
        let scratch = try TemporaryDirectory("slipway-apt-mapping")
        let options = try Builder.aptOptions(try DockerHostFixtures.profile("", in: scratch))
        #expect(options == AptOptions())
    }

    @Test func aKeyringAptCannotUseIsReportedAtItsLine() throws {
        let scratch = try TemporaryDirectory("slipway-apt-mapping")
        try Data("not a key\n".utf8).write(to: URL(fileURLWithPath: scratch.file("notes.gpg")))
        let profile = try DockerHostFixtures.profile("apt:\n  keyrings: [notes.gpg]\n", in: scratch)
        let error = try #require(throws: BuildError.self) { try Builder.aptOptions(profile) }
        #expect(
            error.description
                == "\(scratch.file("profile.yaml")):6:14: trust apt keyring: apt.keyrings[0] \"notes.gpg\" "
                + "(\(scratch.file("notes.gpg"))): not an OpenPGP public keyring: expected the binary form "
                + "(gpg --export KEYID) or the armored form (gpg --armor --export KEYID)")
    }
}
