// OCI image layout directories (image-spec "image-layout.md"):
//
//   oci-layout                {"imageLayoutVersion": "1.0.0"}
//   index.json                an image index: manifests[] with digests and ref-name annotations
//   blobs/sha256/<hex>        content-addressed blobs: nested indexes, manifests, configs, layers
//
// A manifest's layers[] are the layers in order, bottom first. Every blob read is checked against
// its descriptor's size and SHA-256; the digest is also what names the blob's file, so it is
// validated as 64 hex digits before it becomes part of a path.
import Foundation
import Hashing

enum OCILayout {
    struct Descriptor: Decodable {
        var mediaType: String?
        var digest: String
        var size: Int64
        var annotations: [String: String]?
        var platform: Platform?
    }

    struct Platform: Decodable {
        var architecture: String
        var os: String
    }

    /// An index or a manifest: which one is told by the keys present, not by the optional mediaType.
    struct Document: Decodable {
        var manifests: [Descriptor]?
        var layers: [Descriptor]?
    }

    static let referenceAnnotation = "org.opencontainers.image.ref.name"
    static let layerMediaTypes: Set<String> = [
        "application/vnd.oci.image.layer.v1.tar",
        "application/vnd.oci.image.layer.v1.tar+gzip",
        "application/vnd.oci.image.layer.v1.tar+zstd",
        "application/vnd.oci.image.layer.nondistributable.v1.tar",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
        "application/vnd.docker.image.rootfs.diff.tar.gzip",
        "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
    ]
    /// The platform picked from a multi-platform index: the images slipway builds are x86-64 Linux.
    static let platform = (os: "linux", architecture: "amd64")

    static func plan(directory: String, reference: String?, limits: RootfsLimits) throws -> [LayerJob] {
        let label = reference.map { "\(directory) (\($0))" } ?? directory
        let directory = absolutePath(directory)
        guard FileManager.default.fileExists(atPath: directory + "/oci-layout") else {
            throw RootfsError(
                layer: label, rule: .layout("\(directory) has no oci-layout file; is it an OCI image layout directory?")
            )
        }
        let indexBytes = try readSmallFile(directory + "/index.json", limit: limits.maximumManifestBytes, layer: label)
        var document = try decodeJSON(Document.self, from: indexBytes, document: "index.json", layer: label)
        var descriptor = try select(document.manifests ?? [], reference: reference, label: label)
        // Follow nested indexes (multi-platform images) down to one manifest.
        for _ in 0..<8 {
            document = try decodeJSON(
                Document.self, from: try blob(descriptor, in: directory, limits: limits, label: label),
                document: "blob \(descriptor.digest)", layer: label)
            guard let manifests = document.manifests else { break }
            descriptor = try selectPlatform(manifests, label: label)
        }
        guard let layers = document.layers else {
            throw RootfsError(layer: label, rule: .layout("manifest \(descriptor.digest) has no layers list"))
        }
        return try layers.enumerated().map { index, layer in
            guard let mediaType = layer.mediaType, layerMediaTypes.contains(mediaType) else {
                throw RootfsError(layer: label, rule: .unsupportedMediaType(layer.mediaType ?? "(none)"))
            }
            let hex = try digestHex(layer.digest, label: label)
            let path = directory + "/blobs/sha256/" + hex
            let layerLabel = "\(label) layer \(index + 1)/\(layers.count) sha256:\(hex.prefix(12))"
            let size = layer.size
            return .archive(path: path, label: layerLabel, cost: size) {
                try verifyFile(path, hex: hex, size: size, label: layerLabel)
            }
        }
    }

    /// The manifest named `reference`, or the only one when no reference is given.
    private static func select(_ manifests: [Descriptor], reference: String?, label: String) throws -> Descriptor {
        let names = manifests.compactMap { $0.annotations?[referenceAnnotation] }
        let known = names.isEmpty ? "none" : names.map { "\"\($0)\"" }.joined(separator: ", ")
        if let reference {
            let matches = manifests.filter { $0.annotations?[referenceAnnotation] == reference }
            guard let match = matches.first else {
                throw RootfsError(
                    layer: label, rule: .layout("index.json has no manifest named \"\(reference)\" (names: \(known))"))
            }
            return match
        }
        guard manifests.count == 1, let only = manifests.first else {
            throw RootfsError(
                layer: label,
                rule: .layout(
                    "index.json lists \(manifests.count) manifests; name one with a reference (names: \(known))"))
        }
        return only
    }

    private static func selectPlatform(_ manifests: [Descriptor], label: String) throws -> Descriptor {
        let matching = manifests.filter {
            $0.platform?.os == platform.os && $0.platform?.architecture == platform.architecture
        }
        if let match = matching.first { return match }
        if manifests.count == 1, let only = manifests.first { return only }
        let listed = manifests.compactMap { $0.platform.map { "\($0.os)/\($0.architecture)" } }.joined(separator: ", ")
        throw RootfsError(
            layer: label,
            rule: .layout("the image index has no \(platform.os)/\(platform.architecture) manifest (has: \(listed))"))
    }

    /// The bytes of a small blob (an index or a manifest), checked against its descriptor.
    private static func blob(_ descriptor: Descriptor, in directory: String, limits: RootfsLimits, label: String) throws
        -> [UInt8]
    {
        let hex = try digestHex(descriptor.digest, label: label)
        let bytes = try readSmallFile(
            directory + "/blobs/sha256/" + hex, limit: limits.maximumManifestBytes, layer: label)
        guard Int64(bytes.count) == descriptor.size else {
            throw RootfsError(
                layer: label,
                rule: .sizeMismatch(blob: descriptor.digest, expected: descriptor.size, actual: Int64(bytes.count)))
        }
        let actual = SHA256.hexDigest(bytes)
        guard actual == hex else {
            throw RootfsError(layer: label, rule: .digestMismatch(blob: descriptor.digest, actual: actual))
        }
        return bytes
    }

    /// Checks a layer blob's size and digest before it is parsed.
    static func verifyFile(_ path: String, hex: String, size: Int64, label: String) throws {
        let actualSize = fileSize(path)
        guard actualSize == size else {
            throw RootfsError(
                layer: label, rule: .sizeMismatch(blob: "sha256:" + hex, expected: size, actual: actualSize))
        }
        let actual: String
        do {
            actual = try SHA256.hexDigest(ofFile: path)
        } catch {
            throw RootfsError(layer: label, rule: .io(operation: "read", path: path, message: "\(error)"))
        }
        guard actual == hex else {
            throw RootfsError(layer: label, rule: .digestMismatch(blob: "sha256:" + hex, actual: actual))
        }
    }

    /// The hex part of a "sha256:<64 lower-case hex digits>" digest; anything else is refused,
    /// since the digest becomes a file name.
    static func digestHex(_ digest: String, label: String) throws -> String {
        let parts = digest.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, parts[0] == "sha256" else {
            throw RootfsError(
                layer: label, rule: .layout("digest \(quoted(digest)) is not a sha256 digest; only sha256 is supported")
            )
        }
        let hex = parts[1]
        guard hex.utf8.count == 64, hex.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else {
            throw RootfsError(layer: label, rule: .layout("digest \(quoted(digest)) is not 64 lower-case hex digits"))
        }
        return String(hex)
    }
}
