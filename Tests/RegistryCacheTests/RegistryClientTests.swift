import Foundation
import Hashing
import TestSupport
import Testing

@testable import RegistryCache

/// The distribution client against a real registry (docker-registry 2.8) on loopback.
@Suite struct RegistryClientTests {
    private func client(_ server: RegistryServer, credentials: String? = nil) throws -> RegistryClient {
        let reference = try RegistryReference(parsing: "\(server.host)/slipway/cache", source: "test")
        return RegistryClient(reference: reference, credentials: credentials, timeout: 5)
    }

    @Test func blobsGoUpAndComeBackVerified() throws {
        let server = try RegistryServer()
        let registry = try client(server)
        let bytes = Data((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let digest = "sha256:" + SHA256.hexDigest(Array(bytes))
        #expect(try registry.blobExists(digest) == false)
        #expect(try registry.pushBlob(bytes) == digest)
        #expect(try registry.blobExists(digest))
        // The registry stored exactly these bytes under the digest (its own storage as the oracle).
        let hex = String(digest.dropFirst(7))
        #expect(FileManager.default.contents(atPath: server.blobData(hex: hex)) == bytes)

        let scratch = try TemporaryDirectory()
        #expect(try registry.pullBlob(digest, to: scratch.file("blob")))
        #expect(FileManager.default.contents(atPath: scratch.file("blob")) == bytes)
        #expect(try registry.blobData(digest) == bytes)

        let missing = "sha256:" + String(repeating: "0", count: 64)
        #expect(try registry.pullBlob(missing, to: scratch.file("missing")) == false)
        #expect(!FileManager.default.fileExists(atPath: scratch.file("missing")))
        #expect(try registry.blobData(missing) == nil)
        // Pushing what is there already is a no-op, not an error.
        #expect(try registry.pushBlob(bytes) == digest)
    }

    @Test func aBlobWhoseBytesChangedInStorageIsRefused() throws {
        let server = try RegistryServer()
        let registry = try client(server)
        let digest = try registry.pushBlob(Data("the real content\n".utf8))
        let hex = String(digest.dropFirst(7))
        try Data("tampered content!\n".utf8).write(to: URL(fileURLWithPath: server.blobData(hex: hex)))
        let scratch = try TemporaryDirectory()
        let error = #expect(throws: RegistryError.self) { try registry.pullBlob(digest, to: scratch.file("blob")) }
        #expect(error?.isFatal == false)
        #expect(error?.reason.contains("refused") == true, "\(String(describing: error))")
        // Nothing unverified is left behind: not the target, not a partial file.
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty)
        #expect(throws: RegistryError.self) { try registry.blobData(digest) }
    }

    @Test func manifestsAreTaggedListedAndFetched() throws {
        let server = try RegistryServer()
        let registry = try client(server)
        let layer = try registry.pushBlob(Data("layer".utf8))
        let record = try registry.pushBlob(Data(#"{"kind":"resolution","key":"k"}"#.utf8))
        let manifest = try CacheManifest(
            config: Descriptor(mediaType: CacheManifest.artifactType, digest: record, size: 31),
            layers: [Descriptor(mediaType: CacheEntryKind.resolution.layerMediaType, digest: layer, size: 5)]
        ).encoded()
        #expect(try registry.manifestExists(tag: "resolution-k") == false)
        #expect(try registry.manifest(tag: "resolution-k") == nil)
        try registry.putManifest(manifest, tag: "resolution-k")
        #expect(try registry.manifestExists(tag: "resolution-k"))
        #expect(try registry.manifest(tag: "resolution-k") == manifest)
        #expect(try registry.tags() == ["resolution-k"])
        let decoded = try CacheManifest.decode(manifest, tag: "resolution-k")
        #expect(decoded.layers[0].digest == layer)
    }

    @Test func aManifestNamingMissingBlobsIsRefusedByTheRegistry() throws {
        let server = try RegistryServer()
        let registry = try client(server)
        let absent = "sha256:" + String(repeating: "a", count: 64)
        let manifest = try CacheManifest(
            config: Descriptor(mediaType: CacheManifest.artifactType, digest: absent, size: 2),
            layers: [Descriptor(mediaType: "application/octet-stream", digest: absent, size: 2)]
        ).encoded()
        let error = #expect(throws: RegistryError.self) { try registry.putManifest(manifest, tag: "broken") }
        #expect(error?.reason.contains("HTTP 400") == true, "\(String(describing: error))")
    }

    @Test func basicCredentialsAnswerTheRegistrysChallenge() throws {
        let server = try RegistryServer(user: "ci", password: "s3cret:with:colons")
        let anonymous = try client(server)
        let refused = #expect(throws: RegistryError.self) {
            try anonymous.blobExists("sha256:" + String(repeating: "1", count: 64))
        }
        #expect(refused?.reason.contains("SLIPWAY_CACHE_REGISTRY_AUTH") == true, "\(String(describing: refused))")

        let wrong = try client(server, credentials: "ci:wrong")
        let denied = #expect(throws: RegistryError.self) { try wrong.pushBlob(Data("x".utf8)) }
        #expect(denied?.reason.contains("HTTP 401") == true, "\(String(describing: denied))")

        let registry = try client(server, credentials: "ci:s3cret:with:colons")
        let digest = try registry.pushBlob(Data("authenticated".utf8))
        #expect(try registry.blobData(digest) == Data("authenticated".utf8))
    }

    @Test func aStoppedRegistryFailsFastAsUnreachable() throws {
        let server = try RegistryServer()
        let registry = try client(server)
        server.stop()
        let started = Date()
        let error = #expect(throws: RegistryError.self) {
            try registry.blobExists("sha256:" + String(repeating: "2", count: 64))
        }
        #expect(error?.isFatal == true)
        #expect(error?.reason == "connection refused", "\(String(describing: error))")
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test func aRegistryThatNeverAnswersTimesOut() throws {
        // A listening socket that never accepts: the request must give up after the timeout.
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
                    && listen(descriptor, 1) == 0
            }
        }
        let port = UInt16(bigEndian: address.sin_port)
        let reference = try RegistryReference(parsing: "127.0.0.1:\(port)/cache", source: "test")
        let registry = RegistryClient(reference: reference, timeout: 2)
        let started = Date()
        let error = #expect(throws: RegistryError.self) {
            try registry.blobExists("sha256:" + String(repeating: "3", count: 64))
        }
        #expect(error?.isFatal == true)
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed >= 1.5 && elapsed < 10, "gave up after \(elapsed) s")
    }
}
