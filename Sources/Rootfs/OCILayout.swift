// OCI image layouts (image-spec "image-layout.md"), as a directory or in a tar:
//
//   oci-layout                {"imageLayoutVersion": "1.0.0"}
//   index.json                an image index: manifests[] with digests and ref-name annotations
//   blobs/sha256/<hex>        content-addressed blobs: nested indexes, manifests, configs, layers
//
// A manifest's layers[] are the layers in order, bottom first. Every blob read is checked against
// its descriptor's size and SHA-256; the digest is also what names the blob's file, so it is
// validated as 64 hex digits before it becomes part of a path. Where the layout's files lie is
// OCILayoutFiles' business; here they are byte ranges.
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
        var config: Descriptor?
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

    /// One image of a layout: the manifest its reference picks, resolved through nested indexes.
    struct Image {
        var label: String
        var files: OCILayoutFiles
        var manifestDigest: String
        var manifest: Document
    }

    static func plan(path: String, reference: String?, reader: LayerReader) throws -> [LayerJob] {
        let format = try ImageArchive.format(of: path)
        return try open(path: path, format: format, reference: reference, reader: reader).jobs()
    }

    /// Reads the index of the layout at `path` (a directory, or a tar: `docker save` of docker 25
    /// and later writes a layout beside its manifest.json) and follows it to the manifest that
    /// `reference` names.
    static func open(path: String, format: ImageArchive.Format, reference: String?, reader: LayerReader) throws
        -> Image
    {
        let label = reference.map { "\(path) (\($0))" } ?? path
        let absolute = absolutePath(path)
        let files =
            format == .ociDirectory
            ? try OCILayoutFiles.directory(absolute, label: label)
            : try OCILayoutFiles.tar(absolute, label: label, reader: reader)
        guard try files.file("oci-layout") != nil else {
            let problem =
                format == .dockerArchive
                ? "\(path) is a docker save archive without an OCI layout (no oci-layout file); "
                    + "read it as a docker-archive layer"
                : "\(absolute) has no oci-layout file; is it an OCI image layout (a directory or a tar)?"
            throw RootfsError(layer: label, rule: .layout(problem))
        }
        let limit = reader.limits.maximumManifestBytes
        guard let index = try files.file("index.json") else {
            throw RootfsError(layer: label, rule: .layout("\(absolute) has no index.json"))
        }
        var document = try decodeJSON(
            Document.self, from: try readSmall(index, name: "index.json", limit: limit, label: label),
            document: "index.json", layer: label)
        var descriptor = try ImageSelection.choose(
            document.manifests ?? [], names: referenceNames, reference: reference,
            accepted: reference.map { [$0] } ?? [],
            wording: .init(document: "index.json", noun: "manifest", verb: "named", names: "names"), label: label)
        // Follow nested indexes (multi-platform images) down to one manifest.
        for _ in 0..<8 {
            document = try decodeJSON(
                Document.self, from: try blob(descriptor, in: files, limit: limit, label: label),
                document: "blob \(descriptor.digest)", layer: label)
            guard let manifests = document.manifests else { break }
            descriptor = try selectPlatform(manifests, label: label)
        }
        return Image(label: label, files: files, manifestDigest: descriptor.digest, manifest: document)
    }

    /// The names a manifest of the index goes by: its ref-name annotation, if any.
    private static func referenceNames(_ descriptor: Descriptor) -> [String] {
        descriptor.annotations?[referenceAnnotation].map { [$0] } ?? []
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

    /// The bytes of a small blob (an index, a manifest, a config), checked against its descriptor.
    static func blob(_ descriptor: Descriptor, in files: OCILayoutFiles, limit: Int, label: String) throws
        -> [UInt8]
    {
        let content = try blobFile(descriptor, in: files, label: label)
        let bytes = try readSmall(content, name: "blob \(descriptor.digest)", limit: limit, label: label)
        let actual = SHA256.hexDigest(bytes)
        guard actual == (try digestHex(descriptor.digest, label: label)) else {
            throw RootfsError(layer: label, rule: .digestMismatch(blob: descriptor.digest, actual: actual))
        }
        return bytes
    }

    /// The file of the blob `descriptor` names, checked against the descriptor's size.
    private static func blobFile(_ descriptor: Descriptor, in files: OCILayoutFiles, label: String) throws
        -> FileContent
    {
        let hex = try digestHex(descriptor.digest, label: label)
        guard let content = try files.file("blobs/sha256/" + hex) else {
            throw RootfsError(
                layer: label, rule: .layout("blob \(descriptor.digest) is not in the layout (blobs/sha256/\(hex))"))
        }
        guard content.length == descriptor.size else {
            throw RootfsError(
                layer: label,
                rule: .sizeMismatch(blob: descriptor.digest, expected: descriptor.size, actual: content.length))
        }
        return content
    }

    /// The bytes of a small file of the layout, refusing one larger than `limit`.
    private static func readSmall(_ content: FileContent, name: String, limit: Int, label: String) throws -> [UInt8] {
        guard content.length <= Int64(limit) else {
            throw RootfsError(
                layer: label,
                rule: .layout("\(name) is \(content.length) bytes, more than the \(limit) a manifest may have"))
        }
        do {
            return try content.readBytes(limit: Int64(limit))
        } catch let error as RootfsError {
            throw RootfsError(layer: label, rule: error.rule)
        }
    }

    /// Checks a layer blob's size and digest before it is parsed.
    static func verify(_ content: FileContent, hex: String, size: Int64, label: String) throws {
        guard content.length == size else {
            throw RootfsError(
                layer: label, rule: .sizeMismatch(blob: "sha256:" + hex, expected: size, actual: content.length))
        }
        var digest = SHA256()
        do {
            try content.forEachChunk { digest.update($0) }
        } catch let error as RootfsError {
            throw RootfsError(layer: label, rule: error.rule)
        }
        let actual = Hashing.hex(digest.finalize())
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
        let hex = String(parts[1])
        guard isDigestHex(hex) else {
            throw RootfsError(layer: label, rule: .layout("digest \(quoted(digest)) is not 64 lower-case hex digits"))
        }
        return hex
    }

    /// Whether `text` is 64 lower-case hex digits, the only blob names a layout may use.
    static func isDigestHex(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}

extension OCILayout.Image {
    /// One read job per layer of the manifest, in order; each checks its blob before reading it.
    func jobs() throws -> [LayerJob] {
        guard let layers = manifest.layers else {
            throw RootfsError(layer: label, rule: .layout("manifest \(manifestDigest) has no layers list"))
        }
        return try layers.enumerated().map { index, layer in
            guard let mediaType = layer.mediaType, OCILayout.layerMediaTypes.contains(mediaType) else {
                throw RootfsError(layer: label, rule: .unsupportedMediaType(layer.mediaType ?? "(none)"))
            }
            let hex = try OCILayout.digestHex(layer.digest, label: label)
            let layerLabel = "\(label) layer \(index + 1)/\(layers.count) sha256:\(hex.prefix(12))"
            guard let content = try files.file("blobs/sha256/" + hex) else {
                throw RootfsError(
                    layer: layerLabel, rule: .layout("blob \(layer.digest) is not in the layout (blobs/sha256/\(hex))"))
            }
            let size = layer.size
            return .archive(content, label: layerLabel, cost: size) {
                try OCILayout.verify(content, hex: hex, size: size, label: layerLabel)
            }
        }
    }

    /// The config blob the manifest names, checked against its descriptor.
    func configuration(limits: RootfsLimits) throws -> [UInt8] {
        guard let config = manifest.config else {
            throw RootfsError(layer: label, rule: .layout("manifest \(manifestDigest) has no config descriptor"))
        }
        return try OCILayout.blob(config, in: files, limit: limits.maximumManifestBytes, label: label)
    }
}
