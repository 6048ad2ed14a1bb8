// The config of an image given as an archive (`images: NAME: {archive: ...}`): a `docker save` tar,
// an OCI image layout directory, or an OCI layout in a tar. The archive's layers are merged by the
// Rootfs module like any layer; what it does not read is the config (entrypoint, command,
// environment...), which is read here so the rebuilt image keeps it.
import Archive
import Foundation
import Hashing
import Rootfs

enum ContainerImageSource {
    /// The most bytes read of a manifest, index or config: they are small JSON documents.
    static let documentLimit = 4 << 20

    /// How an archive holds its image.
    enum Kind: Equatable {
        /// A `docker save` tar (it has manifest.json; docker 25 and later also write an OCI index,
        /// which is not needed then).
        case dockerArchive
        /// An OCI image layout directory.
        case ociDirectory
        /// A tar holding an OCI image layout (oci-layout and index.json, no manifest.json).
        case ociTar
    }

    /// Finds out what `path` holds from its content, not its name.
    static func kind(of path: String) throws -> Kind {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw BuildError(operation: "read the image archive", path: path, message: "the file does not exist")
        }
        if isDirectory.boolValue { return .ociDirectory }
        var names: Set<String> = []
        let reader = try ArchiveReader(path: path)
        while let entry = try reader.next() {
            names.insert(try TreePath.validated(entry.path, layer: path).joined(separator: "/"))
        }
        if names.contains("manifest.json") { return .dockerArchive }
        if names.contains("oci-layout") && names.contains("index.json") { return .ociTar }
        throw BuildError(
            operation: "read the image archive", path: path,
            message: "it has neither manifest.json (docker save) nor oci-layout and index.json (OCI layout); "
                + "save the image with `docker save` or `skopeo copy ... oci-archive:`")
    }

    /// The container config of the image in a `docker save` tar that `reference` picks (or its only image).
    static func dockerArchiveConfiguration(_ path: String, reference: String?) throws
        -> DockerImageFormat.Configuration
    {
        guard let manifestBytes = try member("manifest.json", of: path) else {
            throw BuildError(operation: "read the image archive", path: path, message: "it has no manifest.json")
        }
        let entries = try decode([SourceManifestEntry].self, manifestBytes, document: "manifest.json", path: path)
        let entry = try select(entries, reference: reference, path: path)
        guard let configName = entry.config else {
            throw BuildError(
                operation: "read the image archive", path: path,
                message: "manifest.json names no Config for the image; re-save it with a current docker")
        }
        let name = try TreePath.validated(configName, layer: path).joined(separator: "/")
        guard let configBytes = try member(name, of: path) else {
            throw BuildError(
                operation: "read the image archive", path: path,
                message: "manifest.json names config \"\(configName)\", which the archive does not hold")
        }
        return try decode(SourceImage.self, configBytes, document: configName, path: path).config ?? .init()
    }

    /// The container config of the image in the OCI layout directory `directory`.
    static func ociConfiguration(_ directory: String, reference: String?) throws -> DockerImageFormat.Configuration {
        let index = try readFile(directory + "/index.json", path: directory)
        var document = try decode(OCIDocument.self, index, document: "index.json", path: directory)
        var descriptor = try selectManifest(document.manifests ?? [], reference: reference, path: directory)
        for _ in 0..<8 {
            document = try decode(
                OCIDocument.self, try blob(descriptor, in: directory), document: descriptor.digest, path: directory)
            guard let manifests = document.manifests else { break }
            guard
                let match = manifests.first(where: {
                    $0.platform?.os == "linux" && $0.platform?.architecture == "amd64"
                })
                    ?? (manifests.count == 1 ? manifests.first : nil)
            else {
                throw BuildError(
                    operation: "read the image index", path: directory, message: "it has no linux/amd64 manifest")
            }
            descriptor = match
        }
        guard let config = document.config else {
            throw BuildError(
                operation: "read the image manifest", path: directory,
                message: "manifest \(descriptor.digest) has no config descriptor")
        }
        let bytes = try blob(config, in: directory)
        return try decode(SourceImage.self, bytes, document: config.digest, path: directory).config ?? .init()
    }

    /// Unpacks the OCI layout in the tar at `path` into `directory` (which must exist): only
    /// `oci-layout`, `index.json` and `blobs/sha256/<64 hex digits>` are written, so nothing in the
    /// tar can name a file elsewhere.
    static func extractOCITar(_ path: String, into directory: String) throws {
        let reader = try ArchiveReader(path: path)
        try FileManager.default.createDirectory(
            atPath: directory + "/blobs/sha256", withIntermediateDirectories: true)
        while let entry = try reader.next() {
            guard entry.type == .regular else { continue }
            let components = try TreePath.validated(entry.path, layer: path)
            let wanted =
                components == ["oci-layout"] || components == ["index.json"]
                || (components.count == 3 && components[0] == "blobs" && components[1] == "sha256"
                    && isDigestHex(components[2]))
            guard wanted else { continue }
            let target = directory + "/" + components.joined(separator: "/")
            guard FileManager.default.createFile(atPath: target, contents: nil),
                let handle = FileHandle(forWritingAtPath: target)
            else {
                throw BuildError(operation: "unpack the OCI layout", path: target, message: "cannot create the file")
            }
            defer { try? handle.close() }
            try reader.forEachChunk { chunk in try handle.write(contentsOf: Data(chunk)) }
        }
    }

    // MARK: - Documents

    private struct SourceManifestEntry: Decodable {
        var config: String?
        var repoTags: [String]?

        enum CodingKeys: String, CodingKey {
            case config = "Config"
            case repoTags = "RepoTags"
        }
    }

    /// What is kept of a source config: its `config` object.
    private struct SourceImage: Decodable {
        var config: DockerImageFormat.Configuration?
    }

    private struct OCIDescriptor: Decodable {
        var digest: String
        var size: Int64
        var annotations: [String: String]?
        var platform: OCIPlatform?
    }

    private struct OCIPlatform: Decodable {
        var os: String
        var architecture: String
    }

    /// An index (manifests) or an image manifest (config).
    private struct OCIDocument: Decodable {
        var manifests: [OCIDescriptor]?
        var config: OCIDescriptor?
    }

    private static func select(_ entries: [SourceManifestEntry], reference: String?, path: String) throws
        -> SourceManifestEntry
    {
        // A reference matches its own text or its normalized repo tag (`tools` → `tools:latest`).
        let accepted = try reference.map { [$0, try DockerImageFormat.repoTag($0)] } ?? []
        return try choose(
            entries, names: { $0.repoTags ?? [] }, accepted: accepted, reference: reference,
            wording: ("manifest.json", "image", "tagged", "tags"), operation: "read the image archive", path: path)
    }

    private static func selectManifest(_ manifests: [OCIDescriptor], reference: String?, path: String) throws
        -> OCIDescriptor
    {
        try choose(
            manifests, names: { $0.annotations?["org.opencontainers.image.ref.name"].map { [$0] } ?? [] },
            accepted: reference.map { [$0] } ?? [], reference: reference,
            wording: ("index.json", "manifest", "named", "names"), operation: "read the image index", path: path)
    }

    /// The candidate whose names include one of `accepted`, or without a reference the only one; the
    /// errors list the names there are. `wording` names the document, what it lists, and how.
    private static func choose<Candidate>(
        _ candidates: [Candidate], names: (Candidate) -> [String], accepted: [String], reference: String?,
        wording: (document: String, noun: String, verb: String, names: String), operation: String, path: String
    ) throws -> Candidate {
        let all = candidates.flatMap(names)
        let known = all.isEmpty ? "none" : all.map { "\"\($0)\"" }.joined(separator: ", ")
        if let reference {
            guard let match = candidates.first(where: { !Set(names($0)).isDisjoint(with: accepted) }) else {
                throw BuildError(
                    operation: operation, path: path,
                    message: "\(wording.document) has no \(wording.noun) \(wording.verb) \"\(reference)\" "
                        + "(\(wording.names): \(known)); fix ref")
            }
            return match
        }
        guard candidates.count == 1, let only = candidates.first else {
            throw BuildError(
                operation: operation, path: path,
                message: "\(wording.document) lists \(candidates.count) \(wording.noun)s; pick one with ref "
                    + "(\(wording.names): \(known))")
        }
        return only
    }

    // MARK: - Bytes

    /// The data of the regular member `name` of the tar at `path`, or nil when there is none.
    private static func member(_ name: String, of path: String) throws -> [UInt8]? {
        let reader = try ArchiveReader(path: path)
        while let entry = try reader.next() {
            guard entry.type == .regular, try TreePath.validated(entry.path, layer: path).joined(separator: "/") == name
            else { continue }
            return try reader.readAll(limit: documentLimit)
        }
        return nil
    }

    /// A blob of an OCI layout, checked against its descriptor's size and digest.
    private static func blob(_ descriptor: OCIDescriptor, in directory: String) throws -> [UInt8] {
        let parts = descriptor.digest.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, parts[0] == "sha256", isDigestHex(String(parts[1])) else {
            throw BuildError(
                operation: "read the image layout", path: directory,
                message: "digest \"\(descriptor.digest)\" is not sha256:<64 lower-case hex digits>")
        }
        let bytes = try readFile(directory + "/blobs/sha256/" + parts[1], path: directory)
        guard Int64(bytes.count) == descriptor.size, SHA256.hexDigest(bytes) == parts[1] else {
            throw BuildError(
                operation: "read the image layout", path: directory,
                message: "blob \(descriptor.digest) does not match its descriptor's size or digest")
        }
        return bytes
    }

    private static func readFile(_ file: String, path: String) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: file) else {
            throw BuildError(operation: "read the image layout", path: path, message: "cannot read \(file)")
        }
        defer { try? handle.close() }
        let data = try handle.read(upToCount: documentLimit + 1) ?? Data()
        guard data.count <= documentLimit else {
            throw BuildError(
                operation: "read the image layout", path: path, message: "\(file) is larger than \(documentLimit) bytes"
            )
        }
        return Array(data)
    }

    private static func decode<Value: Decodable>(_ type: Value.Type, _ bytes: [UInt8], document: String, path: String)
        throws -> Value
    {
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch {
            throw BuildError(
                operation: "read \(document)", path: path, message: "not the JSON an image archive has: \(error)")
        }
    }

    static func isDigestHex(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
