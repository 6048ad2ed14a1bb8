// Finished root filesystem images, keyed by the digest of everything that went into them (the
// build computes the key). Kept locally under <cache>/rootfs/ and in the registry as rootfs-<key>:
//
//   <cache>/rootfs/<key>.ext4    the image (a hard link to the build's output when it can be)
//   <cache>/rootfs/<key>.json    its SHA-256 and what the build reports about it
//
// A local image is re-hashed before use: a link to an output someone changed is not reused.
import FileHashing
import Foundation

extension RegistryCache {
    var rootImageDirectory: String { "\(cacheDirectory)/rootfs" }

    /// Copies the root image kept under `key` (locally, else from the registry) to `path` and
    /// returns what the build reported about it; nil when there is none to trust.
    public func restoreRootImage(key: String, to path: String) -> [String: String]? {
        let image = "\(rootImageDirectory)/\(key).ext4"
        let record = "\(rootImageDirectory)/\(key).json"
        if let local = verifiedLocal(image: image, record: record) {
            return (try? SparseCopy.copy(from: image, to: path)) == nil ? nil : local
        }
        guard let metadata = pullRootImage(key: key, image: image, record: record) else { return nil }
        return (try? SparseCopy.copy(from: image, to: path)) == nil ? nil : metadata
    }

    /// Keeps the image the build wrote at `path` under `key`, and pushes it with the other entries.
    public func keepRootImage(key: String, file path: String, metadata: [String: String]) {
        let image = "\(rootImageDirectory)/\(key).ext4"
        do {
            try FileManager.default.createDirectory(atPath: rootImageDirectory, withIntermediateDirectories: true)
            let temporary = "\(image).\(getpid()).tmp"
            unlink(temporary)
            if link(path, temporary) != 0 { try SparseCopy.copy(from: path, to: temporary) }
            guard rename(temporary, image) == 0 else { throw CocoaError(.fileWriteUnknown) }
            var kept = metadata
            kept["sha256"] = try FileHashing.sha256Hex(ofFile: image)
            try writeRecord(kept, to: "\(rootImageDirectory)/\(key).json")
            state.update { $0.rootImage = (key, image, metadata) }
        } catch {
            notice("could not keep the root image in \(rootImageDirectory): \(error.localizedDescription)")
        }
    }

    private func verifiedLocal(image: String, record: String) -> [String: String]? {
        guard let data = FileManager.default.contents(atPath: record),
            var metadata = try? JSONDecoder().decode([String: String].self, from: data),
            let sha256 = metadata.removeValue(forKey: "sha256")
        else { return nil }
        guard (try? FileHashing.sha256Hex(ofFile: image)) == sha256 else {
            unlink(image)
            unlink(record)
            return nil
        }
        return metadata
    }

    /// Pulls rootfs-<key>: the manifest, its config (the metadata) and the image, each verified.
    private func pullRootImage(key: String, image: String, record: String) -> [String: String]? {
        let tag = CacheEntryKind.rootfs.tag(key)
        let metadata = attempt { () throws -> [String: String]? in
            guard let data = try client.manifest(tag: tag) else { return nil }
            let manifest = try CacheManifest.decode(data, tag: tag)
            guard let config = try client.blobData(manifest.config.digest),
                let entry = try? JSONDecoder().decode(CacheRecord.self, from: config), entry.kind == .rootfs,
                entry.key == key, let metadata = entry.metadata
            else {
                throw RegistryError(
                    operation: "read", subject: tag, reason: "its config is not a root image record", isFatal: false)
            }
            try FileManager.default.createDirectory(atPath: rootImageDirectory, withIntermediateDirectories: true)
            guard try client.pullBlob(manifest.layers[0].digest, to: image) else { return nil }
            var kept = metadata
            kept["sha256"] = String(manifest.layers[0].digest.dropFirst("sha256:".count))
            try writeRecord(kept, to: record)
            return metadata
        }
        guard let metadata, let metadata else { return nil }
        state.update {
            $0.pulled.insert(tag)
            $0.counts.pulledRootImage = true
        }
        return metadata
    }

    private func writeRecord(_ metadata: [String: String], to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let temporary = "\(path).\(getpid()).tmp"
        try encoder.encode(metadata).write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }
}
