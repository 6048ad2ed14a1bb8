import Foundation
import TestSupport
import Testing
import UpdateKeys

@testable import Update

/// The rules apply checks on a verified manifest, key rotation, and the one-apply-at-a-time lock.
struct ApplyRulesTests {
    static func manifest(name: String = "minimal", architecture: String = "amd64", version: String) -> PayloadManifest {
        let piece = PayloadPiece(
            size: 1, sha256: String(repeating: "0", count: 64), storedSize: 1,
            storedSHA256: String(repeating: "0", count: 64))
        return PayloadManifest(
            name: name, architecture: architecture, version: version, title: "t", tries: 3, options: "",
            kernel: piece, initrd: piece, rootSize: 0, chunkSize: 1 << 20, chunks: [])
    }

    static func applier(version: String = "1.0.0") throws -> UpdateApplier {
        UpdateApplier(
            disk: try PosixFile(path: "/dev/null"), esp: MountedESP(root: "/nonexistent"), runningSlot: "a",
            release: ReleaseInfo(name: "minimal", architecture: "amd64", version: version), trustedKeys: [])
    }

    @Test func refusesAnotherProfileAnotherArchitectureAndOlderVersions() throws {
        let applier = try Self.applier()
        let name = try #require(throws: UpdateError.self) {
            try applier.checkCompatible(Self.manifest(name: "docker-host", version: "2.0.0"), source: "p")
        }
        #expect(name.rule == "the payload is for profile \"docker-host\"; this system is \"minimal\"")
        let arch = try #require(throws: UpdateError.self) {
            try applier.checkCompatible(Self.manifest(architecture: "arm64", version: "2.0.0"), source: "p")
        }
        #expect(arch.rule == "the payload is for arm64; this system is amd64")
        let same = try #require(throws: UpdateError.self) {
            try applier.checkCompatible(Self.manifest(version: "1.0.0"), source: "p")
        }
        #expect(same.rule.hasPrefix("version 1.0.0 is the version already running"))
        try applier.checkCompatible(Self.manifest(version: "1.0.10"), source: "p")
        var downgrading = applier
        downgrading.allowDowngrade = true
        try downgrading.checkCompatible(Self.manifest(version: "0.1"), source: "p")
    }

    /// A system trusting an old and a new key (rotation) takes payloads signed by either.
    @Test func trustsEveryKeyOfTheBundle() throws {
        let directory = try TemporaryDirectory()
        let old = UpdateSigningKey.generate(), new = UpdateSigningKey.generate()
        let bundle = try UpdatePublicKey.parseAll(pem: old.publicKey.pem + new.publicKey.pem, source: "trusted.pem")
        #expect(bundle == [old.publicKey, new.publicKey])
        _ = try PayloadTests.write(
            directory.file("p.update"), root: try PayloadTests.rootImage(in: directory), key: new)
        #expect(try Payload(path: directory.file("p.update")).verifiedManifest(trusted: bundle).version == "2.0.0")
    }

    @Test func aSecondHolderOfTheLockIsRefusedAtOnce() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("run/update.lock")
        let inner = try UpdateLock.holding(at: path) { () throws(UpdateError) -> UpdateError? in
            do throws(UpdateError) {
                try UpdateLock.holding(at: path) { () throws(UpdateError) in }
                return nil
            } catch {
                return error
            }
        }
        #expect(inner?.rule == "another slipway-update apply or rollback is running; wait for it to finish")
        // Released afterwards.
        try UpdateLock.holding(at: path) { () throws(UpdateError) in }
    }
}
