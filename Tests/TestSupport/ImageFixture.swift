// Image fixtures: OCI image layouts written by hand (blobs named by their digest) and `docker save`
// archives from named members, for tests that read images.
import Foundation

/// A blob of an image: its digest and size.
public struct Blob: Sendable {
    public var hex: String
    public var size: Int
    public var digest: String { "sha256:" + hex }

    public func descriptor(_ mediaType: String, annotations: [String: String] = [:], platform: (String, String)? = nil)
        -> String
    {
        var fields = ["\"mediaType\": \"\(mediaType)\"", "\"digest\": \"\(digest)\"", "\"size\": \(size)"]
        if !annotations.isEmpty {
            let pairs = annotations.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \"\($0.value)\"" }
            fields.append("\"annotations\": {\(pairs.joined(separator: ", "))}")
        }
        if let (os, architecture) = platform {
            fields.append("\"platform\": {\"os\": \"\(os)\", \"architecture\": \"\(architecture)\"}")
        }
        return "{" + fields.joined(separator: ", ") + "}"
    }
}

/// An OCI image layout written by hand: blobs named by the digest `sha256sum` computes.
public struct OCIFixture {
    public static let layerGzip = "application/vnd.oci.image.layer.v1.tar+gzip"
    public static let layerZstd = "application/vnd.oci.image.layer.v1.tar+zstd"
    public static let layerPlain = "application/vnd.oci.image.layer.v1.tar"
    public static let manifestType = "application/vnd.oci.image.manifest.v1+json"
    public static let indexType = "application/vnd.oci.image.index.v1+json"

    /// The config every manifest of `addManifest` names.
    public static let configJSON = #"{"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers"}}"#

    public let directory: String

    public init(at directory: String) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory + "/blobs/sha256", withIntermediateDirectories: true)
        try Data(#"{"imageLayoutVersion": "1.0.0"}"#.utf8).write(to: URL(fileURLWithPath: directory + "/oci-layout"))
    }

    public func blobPath(_ blob: Blob) -> String { directory + "/blobs/sha256/" + blob.hex }

    /// Moves the file at `path` into the blobs directory under its digest.
    public func addBlob(file path: String) throws -> Blob {
        let result = try runTool(["sha256sum", path])
        guard result.status == 0, let hex = result.stdout.split(separator: " ").first.map(String.init) else {
            throw FixtureError("sha256sum failed: \(result.stderr)")
        }
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
        let blob = Blob(hex: hex, size: size)
        if !FileManager.default.fileExists(atPath: blobPath(blob)) {
            try FileManager.default.moveItem(atPath: path, toPath: blobPath(blob))
        }
        return blob
    }

    public func addBlob(json: String) throws -> Blob {
        let path = directory + "/pending-\(UUID().uuidString)"
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        return try addBlob(file: path)
    }

    /// A manifest blob for `layers` (each with its media type) and a minimal config.
    public func addManifest(_ layers: [(Blob, String)]) throws -> Blob {
        let config = try addBlob(json: Self.configJSON)
        let list = layers.map { $0.0.descriptor($0.1) }.joined(separator: ", ")
        return try addBlob(
            json: """
                {"schemaVersion": 2, "mediaType": "\(Self.manifestType)",
                 "config": \(config.descriptor("application/vnd.oci.image.config.v1+json")),
                 "layers": [\(list)]}
                """)
    }

    public func writeIndex(_ descriptors: [String]) throws {
        let json = "{\"schemaVersion\": 2, \"manifests\": [\(descriptors.joined(separator: ", "))]}"
        try Data(json.utf8).write(to: URL(fileURLWithPath: directory + "/index.json"))
    }
}

/// Writes a `docker save` archive at `path` from named members (files on disk) with python's tarfile.
public func writeDockerArchive(
    at path: String, members: [(name: String, file: String)], links: [(name: String, target: String)] = [],
    manifest: String
) throws {
    let manifestFile = path + ".manifest.json"
    try Data(manifest.utf8).write(to: URL(fileURLWithPath: manifestFile))
    var adds = (members + [("manifest.json", manifestFile)]).map { "t.add('\($0.1)', arcname='\($0.0)')" }
    for (name, target) in links {
        adds.append("i = tarfile.TarInfo('\(name)'); i.type = tarfile.SYMTYPE; i.linkname = '\(target)'; t.addfile(i)")
    }
    try runChecked([
        "python3", "-c",
        "import tarfile\nwith tarfile.open('\(path)', 'w') as t:\n    " + adds.joined(separator: "\n    "),
    ])
}
