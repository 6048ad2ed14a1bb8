// `docker save` archives: a tar whose manifest.json lists, per image, its config and its layers
// (members of the same tar, bottom first):
//
//   [{"Config": "<hex>.json", "RepoTags": ["name:tag"], "Layers": ["<hex>/layer.tar", ...]}]
//
// When the outer tar is uncompressed (as docker writes it), each layer is read concurrently
// through a byte range of the file and its file data is referenced in place. When it is
// compressed, the layers can only be read one after another in archive order, in one job.
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

    static func plan(path: String, reference: String?, limits: RootfsLimits) throws -> [LayerJob] {
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
        let image = try select(
            try decodeJSON([Image].self, from: manifest, document: "manifest.json", layer: label), reference: reference,
            label: label)
        var layers: [(name: String, member: Member)] = []
        for raw in image.layers {
            var name = try TreePath.validated(raw, layer: label).joined(separator: "/")
            for _ in 0..<8 { name = links[name] ?? name }
            guard let member = members[name] else {
                throw RootfsError(
                    layer: label,
                    rule: .layout("manifest.json lists layer \(quoted(raw)), which the archive does not hold"))
            }
            layers.append((name, member))
        }
        let count = layers.count
        let located = layers.compactMap { layer in layer.member.offset.map { (layer.name, $0, layer.member.size) } }
        if located.count == count {
            return located.enumerated().map { index, layer in
                let (name, offset, size) = layer
                let layerLabel = "\(label) layer \(index + 1)/\(count) \(name)"
                return LayerJob(cost: size) { layerReader in
                    let reader = try archiveStep(layerLabel) {
                        try ArchiveReader(path: file, offset: offset, length: size, label: layerLabel)
                    }
                    return [
                        try layerReader.read(reader, label: layerLabel, referenceInPlace: true)
                    ]
                }
            }
        }
        let names = layers.map(\.name)
        return [
            LayerJob(cost: fileSize(path)) { layerReader in
                try readSequentially(path: file, label: label, names: names, layerReader: layerReader)
            }
        ]
    }

    /// Reads the layers of a compressed archive in one pass, each through a reader nested in the
    /// outer one, and returns them in manifest order.
    private static func readSequentially(path: String, label: String, names: [String], layerReader: LayerReader)
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

    /// The image tagged `reference`, or the only image when no reference is given.
    private static func select(_ images: [Image], reference: String?, label: String) throws -> Image {
        let tags = images.flatMap { $0.repoTags ?? [] }
        let known = tags.isEmpty ? "none" : tags.map { "\"\($0)\"" }.joined(separator: ", ")
        if let reference {
            let candidates = reference.contains(":") ? [reference] : [reference, reference + ":latest"]
            guard let image = images.first(where: { !Set($0.repoTags ?? []).isDisjoint(with: candidates) }) else {
                throw RootfsError(
                    layer: label, rule: .layout("manifest.json has no image tagged \"\(reference)\" (tags: \(known))"))
            }
            return image
        }
        guard images.count == 1, let only = images.first else {
            throw RootfsError(
                layer: label,
                rule: .layout("manifest.json lists \(images.count) images; name one with a reference (tags: \(known))"))
        }
        return only
    }
}
