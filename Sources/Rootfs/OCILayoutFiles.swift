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
    private let lookup: (String) throws -> FileContent?

    /// The file `name` of the layout, or nil when there is none.
    func file(_ name: String) throws -> FileContent? { try lookup(name) }

    /// The layout in `directory`: a name is a path below it. Symbolic links are resolved and must
    /// stay inside the directory: a blob that is a link to a host file (`/etc/shadow`) is refused
    /// before a byte of it is read, since even its size or digest in an error would tell something
    /// of it. The resolved path is the one recorded, so the file is not looked up through the
    /// link again when the image is written.
    static func directory(_ directory: String, label: String) throws -> OCILayoutFiles {
        guard let root = try resolvedPath(directory, label: label) else {
            throw RootfsError(
                layer: label, rule: .io(operation: "read the directory", path: directory, message: errnoText(ENOENT)))
        }
        let inside = root == "/" ? root : root + "/"
        return OCILayoutFiles { name in
            let path = directory + "/" + name
            guard let resolved = try resolvedPath(path, label: label) else { return nil }
            guard resolved.hasPrefix(inside) else {
                throw RootfsError(
                    layer: label,
                    rule: .layout(
                        "\(name) in the layout is a link to \(quoted(resolved)), outside \(quoted(root)); "
                            + "every file of a layout must lie inside its directory"))
            }
            return isRegularFile(resolved) ? .file(path: resolved, offset: 0, length: fileSize(resolved)) : nil
        }
    }

    /// `path` with every symbolic link resolved (`realpath`), or nil when nothing is there.
    private static func resolvedPath(_ path: String, label: String) throws -> String? {
        guard let resolved = realpath(path, nil) else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return nil }
            throw RootfsError(layer: label, rule: .io(operation: "resolve", path: path, message: errnoText(code)))
        }
        defer { free(resolved) }
        return String(cString: resolved)
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
