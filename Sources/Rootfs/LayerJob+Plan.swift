// Turning each LayerSource into read jobs. Manifests are read here, on the calling thread (and a
// compressed OCI layout tar is copied into the content store); the jobs do the slow part (hashing,
// decompression) later, concurrently.
import Archive
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

extension LayerJob {
    static func plan(_ source: LayerSource, reader: LayerReader) throws -> [LayerJob] {
        let limits = reader.limits
        switch source {
        case .tar(let path):
            return [.archive(path: absolutePath(path), label: path, cost: fileSize(path))]
        case .directory(let path, let uid, let gid):
            return [
                LayerJob(cost: 0) { layerReader in
                    [
                        try Layer.read(
                            directory: absolutePath(path), uid: uid, gid: gid, label: path, limits: layerReader.limits)
                    ]
                }
            ]
        case .files(let files):
            let label = source.label
            return [LayerJob(cost: 0) { _ in [try Layer.read(files: files, label: label)] }]
        case .ociLayout(let path, let reference):
            return try OCILayout.plan(path: path, reference: reference, reader: reader)
        case .dockerArchive(let path, let reference):
            return try DockerArchive.open(path: path, reference: reference, limits: limits).jobs()
        }
    }

    /// A job that reads the archive file at `path` as one layer, its data referenced in place.
    static func archive(path: String, label: String, cost: Int64) -> LayerJob {
        LayerJob(cost: cost) { layerReader in
            let reader = try archiveStep(label) { try ArchiveReader(path: path, label: label) }
            return [try layerReader.read(reader, label: label, referenceInPlace: true)]
        }
    }

    /// A job that reads the archive in `content` (a file, or a member of an uncompressed tar) as one
    /// layer, its data referenced in place. `before` runs first, in the job: a digest check.
    static func archive(
        _ content: FileContent, label: String, cost: Int64, before: @escaping @Sendable () throws -> Void
    ) -> LayerJob {
        LayerJob(cost: cost) { layerReader in
            try before()
            let reader = try archiveStep(label) {
                switch content {
                case .file(let path, let offset, let length):
                    try ArchiveReader(path: path, offset: offset, length: length, label: label)
                case .inline(let bytes): try ArchiveReader(bytes: bytes, label: label)
                }
            }
            return [try layerReader.read(reader, label: label, referenceInPlace: true)]
        }
    }
}

/// `path` made absolute against the current directory: file contents in the tree name host files
/// by path, and the image writer may run with another current directory.
func absolutePath(_ path: String) -> String {
    if path.hasPrefix("/") { return path }
    let base = FileManager.default.currentDirectoryPath
    return path.isEmpty || path == "." ? base : base + "/" + path
}

/// The size of the file at `path`, or 0 if it cannot be read (the job then reports why).
func fileSize(_ path: String) -> Int64 {
    var info = stat()
    return stat(path, &info) == 0 ? Int64(info.st_size) : 0
}

/// Decodes JSON from an image, naming the document in the error.
func decodeJSON<T: Decodable>(_ type: T.Type, from bytes: [UInt8], document: String, layer: String) throws -> T {
    do {
        return try JSONDecoder().decode(type, from: Data(bytes))
    } catch {
        throw RootfsError(layer: layer, rule: .layout("\(document) is not the JSON expected: \(jsonProblem(error))"))
    }
}

private func jsonProblem(_ error: any Error) -> String {
    switch error {
    case DecodingError.keyNotFound(let key, let context):
        "missing key \"\(key.stringValue)\"" + codingPath(context.codingPath)
    case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
        "wrong type" + codingPath(context.codingPath)
    case DecodingError.dataCorrupted(let context):
        "malformed" + codingPath(context.codingPath)
    default: "\(error)"
    }
}

private func codingPath(_ path: [any CodingKey]) -> String {
    path.isEmpty ? "" : " at " + path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
}
