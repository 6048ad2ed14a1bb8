import Foundation
import TestSupport
import Testing
import Update
import UpdateKeys

/// Key files as `slipway keys generate` writes them, with OpenSSL as the independent reader.
struct KeyTests {
    @Test func writesAPairOpenSSLReadsWithAPrivateMode() throws {
        let directory = try TemporaryDirectory()
        let key = UpdateSigningKey.generate()
        let written = try key.write(toDirectory: directory.file("keys"))
        let mode = try FileManager.default.attributesOfItem(atPath: written.key)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let derived = try runTool(["openssl", "pkey", "-in", written.key, "-pubout"])
        #expect(derived.status == 0, "\(derived.stderr)")
        #expect(derived.stdout == (try String(contentsOfFile: written.pub, encoding: .utf8)))
        let reread = try UpdateSigningKey(pemFile: written.key)
        #expect(reread.publicKey == key.publicKey)
    }

    @Test func opensslVerifiesOurSignature() throws {
        let directory = try TemporaryDirectory()
        let key = UpdateSigningKey.generate()
        let written = try key.write(toDirectory: directory.path + "/k")
        let message = Array("manifest bytes".utf8)
        try Data(message).write(to: URL(fileURLWithPath: directory.file("m")))
        try Data(try key.sign(message).signature).write(to: URL(fileURLWithPath: directory.file("sig")))
        let check = try runTool([
            "openssl", "pkeyutl", "-verify", "-pubin", "-inkey", written.pub, "-rawin", "-in", directory.file("m"),
            "-sigfile", directory.file("sig"),
        ])
        #expect(check.status == 0, "\(check.stdout) \(check.stderr)")
    }

    @Test func neverOverwritesAKey() throws {
        let directory = try TemporaryDirectory()
        _ = try UpdateSigningKey.generate().write(toDirectory: directory.path)
        let before = try String(contentsOfFile: directory.file("update.key"), encoding: .utf8)
        let error = try #require(throws: UpdateError.self) {
            _ = try UpdateSigningKey.generate().write(toDirectory: directory.path)
        }
        #expect(error.rule.contains("already exists"))
        #expect(try String(contentsOfFile: directory.file("update.key"), encoding: .utf8) == before)
    }

    @Test func rejectsKeysThatAreNotEd25519() throws {
        let directory = try TemporaryDirectory()
        let rsa = try runTool(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])
        try rsa.stdout.write(toFile: directory.file("ec.key"), atomically: true, encoding: .utf8)
        let pub = try runTool(["openssl", "pkey", "-in", directory.file("ec.key"), "-pubout"])
        #expect(throws: UpdateError.self) { try UpdateSigningKey(pemFile: directory.file("ec.key")) }
        let error = try #require(throws: UpdateError.self) {
            try UpdatePublicKey.parseAll(pem: pub.stdout, source: "ec.pub")
        }
        #expect(error.rule.contains("not an Ed25519 public key"))
    }
}
