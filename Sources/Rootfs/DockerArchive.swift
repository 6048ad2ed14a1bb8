// `docker save` archives: a tar whose manifest.json lists, per image, its config and its layers
// (members of the same tar, bottom first):
//
//   [{"Config": "<hex>.json", "RepoTags": ["name:tag"], "Layers": ["<hex>/layer.tar", ...]}]
//
// When the outer tar is uncompressed (as docker writes it), each layer is read concurrently
// through a byte range of the file and its file data is referenced in place. When it is
// compressed, the layers can only be read one after another in archive order, in one job. The
// image's config (the Config member) is read only when asked for, by `LayerReader.readImage`.
import Archive
import Foundation

enum DockerArchive {
    struct Image: Decodable {
        var config: String?
        var repoTags: [String]?
        var layers: [String]

        enum CodingKeys: String, CodingKey {
            case config = "Config"
            case repoTags = "RepoTags"
            case layers = "Layers"
        }
    }

    struct Member {
        /// Where the member's data lies in the archive file; nil when it is not stored plainly.
        var offset: Int64?
        var size: Int64
    }

    /// One image of an archive: the manifest entry its reference picks, and where the archive's
    /// members lie.
    struct Opened {
        var label: String
        var file: String
        var image: Image
        var members: [String: Member]
        /// Links between members (name → target name), followed when a manifest names a member.
        var links: [String: String]
    }

    /// Reads the member list and manifest.json of the archive at `path` and picks the image.
    static func open(path: String, reference: String?, limits: RootfsLimits) throws -> Opened {
        let label = reference.map { "\(path) (\($0))" } ?? path
        let file = absolutePath(path)
        var members: [String: Member] = [:]
        var links: [String: String] = [:]
        var manifest: [UInt8]?
        let reader = try archiveStep(label) { try ArchiveReader(path: file, label: label) }
        while let entry = try archiveStep(label, { try reader.next() }) {
            let components = try TreePath.validated(entry.path, layer: label)
            let name = components.joined(separator: "/")
            if entry.type == .symlink, let target = entry.linkTarget {
                // Docker 25 and later keep the old "<id>/layer.tar" names as links into blobs/.
                links[name] = try resolve(target, from: components.dropLast(), entry: entry.path, label: label)
            }
            guard entry.type == .regular else { continue }
            members[name] = Member(offset: reader.currentDataLocation?.offset, size: entry.size)
            if name == "manifest.json" {
                manifest = try archiveStep(label) { try reader.readAll(limit: limits.maximumManifestBytes) }
            }
        }
        guard let manifest else {
            throw RootfsError(layer: label, rule: .layout("the archive has no manifest.json; is it from docker save?"))
        }
        let images = try decodeJSON([Image].self, from: manifest, document: "manifest.json", layer: label)
        let image = try ImageSelection.choose(
            images, names: { $0.repoTags ?? [] }, reference: reference,
            accepted: reference.map(tagSpellings) ?? [],
            wording: .init(document: "manifest.json", noun: "image", verb: "tagged", names: "tags"), label: label)
        return Opened(label: label, file: file, image: image, members: members, links: links)
    }

    /// The tags a reference matches: itself, and with `:latest` when its last component has no tag
    /// (`tools` and `localhost:5000/tools` both mean `...:latest`).
    static func tagSpellings(_ reference: String) -> [String] {
        let lastComponent = reference.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
        return lastComponent.contains(":") ? [reference] : [reference, reference + ":latest"]
    }

    /// Reads the layers of a compressed archive in one pass, each through a reader nested in the
    /// outer one, and returns them in manifest order.
    static func readSequentially(path: String, label: String, names: [String], layerReader: LayerReader)
        throws -> [Layer]
    {
        let wanted = Set(names)
        var read: [String: Layer] = [:]
        let outer = try archiveStep(label) { try ArchiveReader(path: path, label: label) }
        while let entry = try archiveStep(label, { try outer.next() }) {
            guard entry.type == .regular else { continue }
            let name = try TreePath.validated(entry.path, layer: label).joined(separator: "/")
            guard wanted.contains(name) else { continue }
            let index = (names.firstIndex(of: name) ?? 0) + 1
            let layerLabel = "\(label) layer \(index)/\(names.count) \(name)"
            let inner = try archiveStep(layerLabel) { try ArchiveReader(currentMemberOf: outer, label: layerLabel) }
            read[name] = try layerReader.read(inner, label: layerLabel, referenceInPlace: false)
        }
        return try names.map { name in
            guard let layer = read[name] else {
                throw RootfsError(
                    layer: label, rule: .layout("layer \(quoted(name)) vanished from the archive while reading it"))
            }
            return layer
        }
    }

    /// The member a link inside the archive points at; links may not leave the archive's root.
    private static func resolve(_ target: String, from directory: ArraySlice<String>, entry: String, label: String)
        throws -> String
    {
        var components = Array(directory)
        if target.hasPrefix("/") { throw RootfsError(layer: label, entry: entry, rule: .absolutePath) }
        for part in target.split(separator: "/") where part != "." {
            if part == ".." {
                if components.popLast() == nil { throw RootfsError(layer: label, entry: entry, rule: .parentReference) }
            } else {
                components.append(String(part))
            }
        }
        return components.joined(separator: "/")
    }
}

extension DockerArchive.Opened {
    /// The member a manifest names, links inside the archive followed.
    func member(named raw: String, role: String) throws -> (name: String, member: DockerArchive.Member) {
        var name = try TreePath.validated(raw, layer: label).joined(separator: "/")
        for _ in 0..<8 { name = links[name] ?? name }
        guard let member = members[name] else {
            throw RootfsError(
                layer: label,
                rule: .layout("manifest.json lists \(role) \(quoted(raw)), which the archive does not hold"))
        }
        return (name, member)
    }

    /// Read jobs for the image's layers: one per layer when the archive is uncompressed, else one
    /// for all, reading them in archive order.
    func jobs() throws -> [LayerJob] {
        let layers = try image.layers.map { try member(named: $0, role: "layer") }
        let count = layers.count
        let (file, label) = (file, label)
        let located = layers.compactMap { layer in layer.member.offset.map { (layer.name, $0, layer.member.size) } }
        if located.count == count {
            return located.enumerated().map { index, layer in
                let (name, offset, size) = layer
                let layerLabel = "\(label) layer \(index + 1)/\(count) \(name)"
                return .archive(.file(path: file, offset: offset, length: size), label: layerLabel, cost: size) {}
            }
        }
        let names = layers.map(\.name)
        return [
            LayerJob(cost: fileSize(file)) { layerReader in
                try DockerArchive.readSequentially(path: file, label: label, names: names, layerReader: layerReader)
            }
        ]
    }

    /// The image's config document (the member manifest.json names as Config).
    func configuration(limits: RootfsLimits) throws -> [UInt8] {
        guard let raw = image.config else {
            throw RootfsError(
                layer: label,
                rule: .layout("manifest.json names no Config for the image; save it again with docker save"))
        }
        let (name, member) = try self.member(named: raw, role: "config")
        guard member.size <= Int64(limits.maximumManifestBytes) else {
            throw RootfsError(
                layer: label,
                rule: .layout(
                    "\(name) is \(member.size) bytes, more than the \(limits.maximumManifestBytes) a config may have"))
        }
        if let offset = member.offset {
            do {
                return try FileContent.file(path: file, offset: offset, length: member.size).readBytes()
            } catch let error as RootfsError {
                throw RootfsError(layer: label, rule: error.rule)
            }
        }
        // A compressed archive: read it again up to the member.
        let reader = try archiveStep(label) { try ArchiveReader(path: file, label: label) }
        while let entry = try archiveStep(label, { try reader.next() }) {
            guard entry.type == .regular,
                try TreePath.validated(entry.path, layer: label).joined(separator: "/") == name
            else { continue }
            return try archiveStep(label) { try reader.readAll(limit: limits.maximumManifestBytes) }
        }
        throw RootfsError(layer: label, rule: .layout("\(name) vanished from the archive while reading it"))
    }
}
