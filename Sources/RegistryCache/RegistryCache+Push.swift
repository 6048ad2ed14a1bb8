// After a build: every entry it used that the registry does not hold yet is pushed, blobs first,
// then the config, then the manifest that tags them (a registry refuses a manifest whose blobs it
// lacks, so a reader never finds a tag without its content).
import FileHashing
import Foundation
import Rootfs

extension RegistryCache {
    /// Pushes the entries this build used and did not pull; returns how many it pushed. Failures
    /// give up on the registry with a notice (the build has already succeeded).
    @discardableResult
    public func pushNew() -> Int {
        let current = state.value
        guard current.disabled == nil else { return 0 }
        var entries: [(kind: CacheEntryKind, key: String, body: Body, metadata: [String: String]?)] = []
        for (key, lines) in current.resolutions.sorted(by: { $0.key < $1.key }) {
            entries.append((.resolution, key, .bytes(Data((lines.joined(separator: "\n") + "\n").utf8)), nil))
        }
        for (sha256, file) in current.packages.sorted(by: { $0.key < $1.key }) {
            entries.append((.deb, sha256, .file(file, digest: "sha256:\(sha256)"), nil))
        }
        if let root = current.rootImage {
            entries.append((.rootfs, root.key, .file(root.file, digest: nil), root.metadata))
        }
        entries.removeAll { current.pulled.contains($0.kind.tag($0.key)) }
        let pushed =
            (try? ConcurrentMap.run(entries) { entry -> Bool in
                self.attempt { try self.push(entry.kind, key: entry.key, body: entry.body, metadata: entry.metadata) }
                    ?? false
            }) ?? []
        let count = pushed.filter { $0 }.count
        state.update { $0.counts.pushed += count }
        return count
    }

    enum Body: Sendable {
        case bytes(Data)
        /// A file and its digest when known (a .deb's is its key).
        case file(String, digest: String?)
    }

    /// Pushes one entry unless its tag exists; true when it pushed.
    func push(_ kind: CacheEntryKind, key: String, body: Body, metadata: [String: String]?) throws -> Bool {
        let tag = kind.tag(key)
        if try client.manifestExists(tag: tag) { return false }
        let layer: Descriptor
        switch body {
        case .bytes(let data):
            let digest = try client.pushBlob(data)
            layer = Descriptor(mediaType: kind.layerMediaType, digest: digest, size: Int64(data.count))
        case .file(let path, let known):
            let digest: String
            do {
                digest = try known ?? ("sha256:" + FileHashing.sha256Hex(ofFile: path))
            } catch {
                throw RegistryError(
                    operation: "push", subject: tag, reason: "cannot read \(path): \(error)", isFatal: false)
            }
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64) ?? 0
            try client.pushBlob(file: path, digest: digest)
            layer = Descriptor(mediaType: kind.layerMediaType, digest: digest, size: size ?? 0)
        }
        let record = try CacheManifest.encodeRecord(CacheRecord(kind: kind, key: key, metadata: metadata))
        let config = Descriptor(
            mediaType: CacheManifest.artifactType, digest: try client.pushBlob(record), size: Int64(record.count))
        try client.putManifest(try CacheManifest(config: config, layers: [layer]).encoded(), tag: tag)
        return true
    }
}
