// Turning each LayerSource into read jobs. Manifests are read here, on the calling thread; the
// jobs do the slow part (hashing, decompression) later, concurrently.
import Archive
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

extension LayerJob {
    static func plan(_ source: LayerSource, limits: RootfsLimits) throws -> [LayerJob] {
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
        case .ociLayout(let directory, let reference):
            return try OCILayout.plan(directory: directory, reference: reference, limits: limits)
        case .dockerArchive(let path, let reference):
            return try DockerArchive.plan(path: path, reference: reference, limits: limits)
        }
    }

    /// A job that reads the archive file at `path` as one layer, its data referenced in place.
    static func archive(path: String, label: String, cost: Int64, before: @escaping @Sendable () throws -> Void = {})
        -> LayerJob
    {
        LayerJob(cost: cost) { layerReader in
            try before()
            let reader = try archiveStep(label) { try ArchiveReader(path: path, label: label) }
            return [
                try layerReader.read(reader, label: label, referenceInPlace: true)
            ]
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

/// Reads a small file (a manifest) whole, refusing one larger than `limit`.
func readSmallFile(_ path: String, limit: Int, layer: String) throws -> [UInt8] {
    let size = fileSize(path)
    guard size <= Int64(limit) else {
        throw RootfsError(
            layer: layer, rule: .layout("\(path) is \(size) bytes, more than the \(limit) a manifest may have"))
    }
    guard let data = FileManager.default.contents(atPath: path) else {
        throw RootfsError(layer: layer, rule: .io(operation: "read", path: path, message: "missing or unreadable"))
    }
    return [UInt8](data)
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
