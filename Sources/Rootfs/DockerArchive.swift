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
        var members: [String: Member] = [:]
        var manifest: [UInt8]?
        let reader = try archiveStep(label) { try ArchiveReader(path: path, label: label) }
        while let entry = try archiveStep(label, { try reader.next() }) {
            guard entry.type == .regular else { continue }
            let name = try TreePath.validated(entry.path, layer: label).joined(separator: "/")
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
            let name = try TreePath.validated(raw, layer: label).joined(separator: "/")
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
                return LayerJob(cost: size) { context in
                    let reader = try archiveStep(layerLabel) {
                        try ArchiveReader(path: path, offset: offset, length: size, label: layerLabel)
                    }
                    return [
                        try Layer.read(
                            from: reader, label: layerLabel, store: context.store, limits: context.limits,
                            referenceInPlace: true)
                    ]
                }
            }
        }
        let names = layers.map(\.name)
        return [
            LayerJob(cost: fileSize(path)) { context in
                try readSequentially(path: path, label: label, names: names, context: context)
            }
        ]
    }

    /// Reads the layers of a compressed archive in one pass, each through a reader nested in the
    /// outer one, and returns them in manifest order.
    private static func readSequentially(path: String, label: String, names: [String], context: LayerReadContext)
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
            read[name] = try Layer.read(
                from: inner, label: layerLabel, store: context.store, limits: context.limits, referenceInPlace: false)
        }
        return try names.map { name in
            guard let layer = read[name] else {
                throw RootfsError(
                    layer: label, rule: .layout("layer \(quoted(name)) vanished from the archive while reading it"))
            }
            return layer
        }
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
