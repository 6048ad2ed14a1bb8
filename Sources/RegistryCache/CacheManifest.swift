// How a cache entry is stored: an OCI image manifest whose artifactType and config media type are
// slipway's, whose config blob is a small JSON record of the entry (its kind, its key and, for a
// root image, what the build reports about it), and whose layers are the entry's blobs. The tag
// names the entry: deb-<sha256 of the .deb>, resolution-<key>, rootfs-<key>.
import Foundation

/// The kinds of entries, each with its tag prefix and its layer's media type.
public enum CacheEntryKind: String, Codable, Sendable, CaseIterable {
    case deb
    case resolution
    case rootfs

    var layerMediaType: String {
        switch self {
        case .deb: "application/vnd.debian.binary-package"
        case .resolution: "application/vnd.slipway.cache.resolution.v1+text"
        case .rootfs: "application/vnd.slipway.cache.rootfs.v1.ext4"
        }
    }

    /// The entry's tag: `deb-<hex>`; tags are at most 128 characters and a key is 64.
    func tag(_ key: String) -> String { "\(rawValue)-\(key)" }
}

/// An OCI content descriptor.
struct Descriptor: Codable, Equatable {
    var mediaType: String
    var digest: String
    var size: Int64
}

/// The config blob: what the entry is, so a listing of the registry explains itself.
struct CacheRecord: Codable, Equatable {
    var kind: CacheEntryKind
    var key: String
    var metadata: [String: String]?
}

/// The manifest of one entry.
struct CacheManifest: Codable {
    static let artifactType = "application/vnd.slipway.cache.v1+json"

    var schemaVersion = 2
    var mediaType = RegistryClient.manifestType
    var artifactType = CacheManifest.artifactType
    var config: Descriptor
    var layers: [Descriptor]

    /// Canonical bytes: sorted keys, so the same entry pushed twice is the same manifest.
    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Decodes a manifest and checks it is one of slipway's with exactly one layer.
    static func decode(_ data: Data, tag: String) throws -> CacheManifest {
        guard let manifest = try? JSONDecoder().decode(CacheManifest.self, from: data),
            manifest.config.mediaType == artifactType, manifest.layers.count == 1
        else {
            throw RegistryError(
                operation: "read manifest", subject: tag,
                reason: "not a slipway cache entry (expected config \(artifactType) and one layer)", isFatal: false)
        }
        return manifest
    }

    static func encodeRecord(_ record: CacheRecord) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(record)
    }
}
