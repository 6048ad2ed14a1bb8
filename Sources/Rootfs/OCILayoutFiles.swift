// The files of an OCI image layout, each as a byte range of a host file, so the layout's reader
// does not care where the layout lies: in a directory (each file whole), in an uncompressed tar
// (each member where it lies in the tar, as `docker save` layers are read), or in a compressed tar
// (each member copied once into the content store, the only way to reach it again later).
import Archive

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

struct OCILayoutFiles {
    /// The layout's files by their name in the layout ("index.json", "blobs/sha256/<hex>").
    private let lookup: (String) -> FileContent?

    /// The file `name` of the layout, or nil when there is none.
    func file(_ name: String) -> FileContent? { lookup(name) }

    /// The layout in `directory`: a name is a path below it.
    static func directory(_ directory: String) -> OCILayoutFiles {
        OCILayoutFiles { name in
            let path = directory + "/" + name
            return isRegularFile(path) ? .file(path: path, offset: 0, length: fileSize(path)) : nil
        }
    }

    /// The layout in the tar at `path`. Only oci-layout, index.json and `blobs/sha256/<64 hex
    /// digits>` are kept: the other members are of no use to a layout's reader.
    static func tar(_ path: String, label: String, reader layerReader: LayerReader) throws -> OCILayoutFiles {
        var files: [String: FileContent] = [:]
        let writer = ContentWriter(
            store: layerReader.store, layer: label, maximumFileSize: layerReader.limits.maximumFileSize)
        let reader = try archiveStep(label) { try ArchiveReader(path: path, label: label) }
        while let entry = try archiveStep(label, { try reader.next() }) {
            guard entry.type == .regular else { continue }
            let components = try TreePath.validated(entry.path, layer: label)
            let wanted =
                components == ["oci-layout"] || components == ["index.json"]
                || (components.count == 3 && components[0] == "blobs" && components[1] == "sha256"
                    && OCILayout.isDigestHex(components[2]))
            guard wanted else { continue }
            let name = components.joined(separator: "/")
            if let location = reader.currentDataLocation {
                files[name] = .file(path: location.path, offset: location.offset, length: entry.size)
            } else {
                files[name] = try writer.store(size: entry.size, entry: entry.path) { sink in
                    try archiveStep(label) { try reader.forEachBlock(sink) }
                }
            }
        }
        try writer.flush()
        return OCILayoutFiles { files[$0] }
    }
}

/// Whether `path` is a regular file (links followed, as `open` would).
func isRegularFile(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
}
