// Decoding `root:` and layers (shared by the root and by images built from layers).

extension Profile.Root {
    static let keys = ["layers", "remove", "size", "headroom", "read-only", "verity"]

    static func decode(_ node: SourceNode?, _ path: FieldPath, default fallback: SourceLocation, in c: DecodeContext)
        -> Self
    {
        if node == nil {
            c.report(fallback, FieldPath(), "missing required key \"root\" (the root filesystem's layers)")
        }
        let f = c.section(node, path, keys: keys, default: fallback)
        if case .mapping? = node?.kind, !f.has("layers") { c.missing(f, "layers") }
        return Self(
            layers: Profile.Layer.decodeList(f["layers"], path.key("layers"), in: c),
            remove: c.strings(f["remove"], path.key("remove"), .removePattern),
            size: c.sizeSetting(f["size"], path.key("size"), minimum: 1 << 20) ?? Located(.auto, at: f.location),
            headroom: c.headroom(f["headroom"], path.key("headroom")) ?? Located(.percent(10), at: f.location),
            readOnly: c.bool(f["read-only"], path.key("read-only")) ?? Located(true, at: f.location),
            verity: c.bool(f["verity"], path.key("verity")) ?? Located(false, at: f.location),
            location: f.location)
    }
}

extension Profile.Layer {
    /// The keys that choose a layer's kind; exactly one per layer.
    static let kinds = ["packages", "tar", "oci", "docker-archive", "overlay", "files", "symlinks", "directories"]
    static let keys = kinds + ["ref", "owner"]

    static func decodeList(_ node: SourceNode?, _ path: FieldPath, in c: DecodeContext) -> [Self] {
        let items = c.list(node, path)
        if let node, items.isEmpty, case .sequence = node.kind {
            c.report(node, path, "needs at least one layer")
        }
        return items.compactMap { decode($0.node, $0.path, in: c) }
    }

    static func decode(_ node: SourceNode, _ path: FieldPath, in c: DecodeContext) -> Self? {
        guard let f = c.mapping(node, path, keys: keys) else { return nil }
        let present = kinds.filter { f.has($0) }
        guard present.count == 1, let kind = present.first else {
            if present.count > 1 {
                c.exclusive(f, present)
            } else if let empty = kinds.first(where: { kind in f.entries.contains { $0.key == kind } }) {
                c.missing(f, empty)
            } else {
                c.report(f.location, path, "a layer needs one of: " + kinds.joined(separator: ", "))
            }
            return nil
        }
        if f.has("ref") && kind != "oci" && kind != "docker-archive" {
            c.report(f.keyLocation("ref"), path.key("ref"), "\"ref\" applies only to oci and docker-archive layers")
        }
        if f.has("owner") && kind != "overlay" {
            c.report(
                f.keyLocation("owner"), path.key("owner"),
                "\"owner\" applies only to overlay layers; give each declared file its own owner")
        }
        let p = path.key(kind)
        let value = f[kind]
        let ref = c.string(f["ref"], path.key("ref"), .nonEmpty)
        let source: Profile.LayerSource?
        switch kind {
        case "packages":
            let names = c.strings(value, p, .packageName)
            if case .sequence(let items)? = value?.kind, items.isEmpty {
                c.report(f.keyLocation(kind), p, "list at least one package")
            }
            source = .packages(names)
        case "tar": source = c.hostPath(value, p, .file).map { .tar($0) }
        case "oci": source = c.hostPath(value, p, .fileOrDirectory).map { .oci($0, ref: ref) }
        case "docker-archive": source = c.hostPath(value, p, .file).map { .dockerArchive($0, ref: ref) }
        case "overlay":
            source = c.hostPath(value, p, .directory).map {
                .overlay($0, owner: c.owner(f["owner"], path.key("owner")))
            }
        case "files": source = .files(c.list(value, p).compactMap { Profile.FileEntry.decode($0.node, $0.path, in: c) })
        case "symlinks":
            source = .symlinks(c.list(value, p).compactMap { Profile.Symlink.decode($0.node, $0.path, in: c) })
        default:
            source = .directories(c.list(value, p).compactMap { Profile.Directory.decode($0.node, $0.path, in: c) })
        }
        return source.map { Self(source: $0, location: node.location, keyPath: path.description) }
    }
}

extension Profile.FileEntry {
    static let keys = ["path", "content", "source", "mode", "owner"]

    static func decode(_ node: SourceNode, _ path: FieldPath, in c: DecodeContext) -> Self? {
        guard let f = c.mapping(node, path, keys: keys) else { return nil }
        if !f.has("path") { c.missing(f, "path") }
        c.exclusive(f, ["content", "source"])
        if !f.has("content") && !f.has("source") {
            c.report(f.location, path, "missing \"content\" (text) or \"source\" (a file next to the profile)")
        }
        let target = c.string(f["path"], path.key("path"), .imagePath)
        var content: Located<Profile.FileContentSource>?
        if let text = c.string(f["content"], path.key("content")) {
            content = text.map { .text($0) }
        } else if let source = c.hostPath(f["source"], path.key("source"), .file) {
            content = source.map { .source($0) }
        }
        let mode = c.mode(f["mode"], path.key("mode")) ?? Located(0o644, at: f.location)
        let owner = c.owner(f["owner"], path.key("owner")) ?? Located(.root, at: f.location)
        guard let target, let content else { return nil }
        return Self(path: target, content: content, mode: mode, owner: owner, location: f.location)
    }
}

extension Profile.Symlink {
    static let keys = ["path", "target", "owner"]

    static func decode(_ node: SourceNode, _ path: FieldPath, in c: DecodeContext) -> Self? {
        guard let f = c.mapping(node, path, keys: keys) else { return nil }
        for key in ["path", "target"] where !f.has(key) { c.missing(f, key) }
        let link = c.string(f["path"], path.key("path"), .imagePath)
        let target = c.string(f["target"], path.key("target"), .linkTarget)
        let owner = c.owner(f["owner"], path.key("owner")) ?? Located(.root, at: f.location)
        guard let link, let target else { return nil }
        if link.value == "/" {
            c.report(link.location, path.key("path"), value: "/", "the root directory cannot be a link")
        }
        return Self(path: link, target: target, owner: owner, location: f.location)
    }
}

extension Profile.Directory {
    static let keys = ["path", "mode", "owner"]

    static func decode(_ node: SourceNode, _ path: FieldPath, in c: DecodeContext) -> Self? {
        guard let f = c.mapping(node, path, keys: keys) else { return nil }
        if !f.has("path") { c.missing(f, "path") }
        let directory = c.string(f["path"], path.key("path"), .imagePath)
        let mode = c.mode(f["mode"], path.key("mode")) ?? Located(0o755, at: f.location)
        let owner = c.owner(f["owner"], path.key("owner")) ?? Located(.root, at: f.location)
        guard let directory else { return nil }
        return Self(path: directory, mode: mode, owner: owner, location: f.location)
    }
}
