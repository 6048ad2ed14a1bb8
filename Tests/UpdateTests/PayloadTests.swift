import Foundation
import TestSupport
import Testing
import Update
import UpdateKeys

/// A payload made from a synthetic root image (data, zeros, a short last chunk), read back and
/// checked: signatures, framing, digests, determinism.
struct PayloadTests {
    static let metadata = PayloadWriter.Metadata(
        name: "minimal", architecture: "amd64", version: "2.0.0", title: "Minimal", tries: 2,
        options: "slipway.root=PARTUUID=x slipway.slot=a slipway.version=2.0.0 console=ttyS0")

    /// A root image of 2.5 chunks: pseudo-random data, a chunk of zeros, and a half chunk.
    static func rootImage(in directory: TemporaryDirectory) throws -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<PayloadWriter.chunkSize).map { _ in UInt8.random(in: 0...3, using: &generator) }
        bytes += [UInt8](repeating: 0, count: PayloadWriter.chunkSize)
        bytes += [UInt8](repeating: 7, count: PayloadWriter.chunkSize / 2)
        let path = directory.file("root.ext4")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func write(_ path: String, root: String, key: UpdateSigningKey) throws -> PayloadManifest {
        try PayloadWriter.write(
            to: path, metadata: metadata, rootImage: root, kernel: Array("kernel".utf8), initrd: Array("initrd".utf8),
            sign: { [try key.sign($0)] })
    }

    @Test func roundTripsAndVerifiesEveryFrame() throws {
        let directory = try TemporaryDirectory()
        let key = UpdateSigningKey.generate()
        let root = try Self.rootImage(in: directory)
        let written = try Self.write(directory.file("p.update"), root: root, key: key)
        #expect(written.chunks.count == 3)
        #expect(written.chunks[1] == nil, "a chunk of zeros is not stored")
        let payload = try Payload(path: directory.file("p.update"))
        let manifest = try payload.verifiedManifest(trusted: [key.publicKey])
        #expect(manifest == written)
        try payload.verifyData(manifest)
        // Decompressing every piece gives back the root image's bytes.
        let original = Array(try Data(contentsOf: URL(fileURLWithPath: root)))
        for item in payload.layout(manifest) {
            let bytes = try payload.contents(
                item.role, item.piece, frame: try payload.storedFrame(item.role, item.piece, at: item.offset))
            if case .chunk(let index) = item.role {
                let start = index * manifest.chunkSize
                #expect(bytes == Array(original[start..<min(start + manifest.chunkSize, original.count)]))
            }
        }
    }

    @Test func rebuildIsByteIdentical() throws {
        let directory = try TemporaryDirectory()
        let key = UpdateSigningKey.generate()
        let root = try Self.rootImage(in: directory)
        _ = try Self.write(directory.file("1.update"), root: root, key: key)
        _ = try Self.write(directory.file("2.update"), root: root, key: key)
        #expect(
            FileManager.default.contentsEqual(atPath: directory.file("1.update"), andPath: directory.file("2.update")))
    }

    @Test func refusesAnUntrustedKeyNamingBothKeys() throws {
        let directory = try TemporaryDirectory()
        let signer = UpdateSigningKey.generate(), trusted = UpdateSigningKey.generate()
        _ = try Self.write(directory.file("p.update"), root: try Self.rootImage(in: directory), key: signer)
        let error = try #require(throws: UpdateError.self) {
            try Payload(path: directory.file("p.update")).verifiedManifest(trusted: [trusted.publicKey])
        }
        #expect(error.rule.contains("untrusted: signed by key \(signer.publicKey.id)"))
        #expect(error.rule.contains("trusted: \(trusted.publicKey.id)"))
    }

    @Test func refusesAnAlteredManifest() throws {
        let directory = try TemporaryDirectory()
        let key = UpdateSigningKey.generate()
        _ = try Self.write(directory.file("p.update"), root: try Self.rootImage(in: directory), key: key)
        var bytes = Array(try Data(contentsOf: directory.url.appendingPathComponent("p.update")))
        // "version 2.0.0" → "version 9.0.0": same length, so only the signature can tell.
        let text = Array("version 2.0.0".utf8)
        let at = try #require((0..<bytes.count - text.count).first { Array(bytes[$0..<$0 + text.count]) == text })
        bytes[at + 8] = UInt8(ascii: "9")
        try Data(bytes).write(to: directory.url.appendingPathComponent("p.update"))
        let error = try #require(throws: UpdateError.self) {
            try Payload(path: directory.file("p.update")).verifiedManifest(trusted: [key.publicKey])
        }
        #expect(error.rule.contains("bad signature"))
    }

    @Test func refusesATruncatedPayloadBeforeReadingData() throws {
        let directory = try TemporaryDirectory()
        let key = UpdateSigningKey.generate()
        _ = try Self.write(directory.file("p.update"), root: try Self.rootImage(in: directory), key: key)
        let handle = try FileHandle(forWritingTo: directory.url.appendingPathComponent("p.update"))
        try handle.truncate(atOffset: try handle.seekToEnd() - 100)
        try handle.close()
        let error = try #require(throws: UpdateError.self) { try Payload(path: directory.file("p.update")) }
        #expect(error.rule.contains("truncated"))
    }

    @Test func refusesATamperedChunkNamingIt() throws {
        let directory = try TemporaryDirectory()
        let key = UpdateSigningKey.generate()
        _ = try Self.write(directory.file("p.update"), root: try Self.rootImage(in: directory), key: key)
        let payload = try Payload(path: directory.file("p.update"))
        let manifest = try payload.verifiedManifest(trusted: [key.publicKey])
        let last = try #require(payload.layout(manifest).last)
        var bytes = Array(try Data(contentsOf: directory.url.appendingPathComponent("p.update")))
        bytes[Int(last.offset) + 3] ^= 0xFF
        try Data(bytes).write(to: directory.url.appendingPathComponent("p.update"))
        let tampered = try Payload(path: directory.file("p.update"))
        let error = try #require(throws: UpdateError.self) {
            try tampered.verifyData(try tampered.verifiedManifest(trusted: [key.publicKey]))
        }
        #expect(error.rule == "root chunk 2 does not match its digest in the signed manifest (tampered or damaged)")
    }

    @Test func manifestErrorsNameTheLine() throws {
        let text = PayloadManifest.formatLine + "\nname minimal\ntries x\n"
        let error = try #require(throws: UpdateError.self) { try PayloadManifest(parsing: text, source: "p") }
        #expect(error.description.hasPrefix("p"))
        let missing = try #require(throws: UpdateError.self) {
            try PayloadManifest(parsing: "something else\n", source: "p")
        }
        #expect(missing.rule.contains("not a slipway update"))
    }
}
