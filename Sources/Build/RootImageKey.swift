// The key a finished root image is shared under (`--cache-registry`): the digest of everything
// that decides its bytes. The root filesystem's seed (Builder.rootfsSeed: the profile's canonical
// digest, the epoch, every layer's, package's and container image's digest) names where the files
// came from. The tree itself is listed too, every path with its metadata, and the bytes of every
// file slipway generated (accounts, hostname, first-boot defaults, release info, CA bundle, update
// keys), so an option that changes a generated file changes the key without being named here.
// Files that point into packages or host files are listed by length; their contents are named by
// the seed, by the packages whose libraries the build copies in (bootPackages), by the
// slipway-update executable installed into the root, and by the running slipway executable
// itself, whose code writes the ext4 image.
import Ext4
import FileHashing
import Foundation
import Hashing
import Packages
import RegistryCache
import Rootfs

enum RootImageKey {
    static func digest(
        seed: [UInt8], tree: Tree, rootfsOnly: Bool, bootPackages: [Manifest.PackageRecord], updateTool: String?
    ) -> String {
        var lines = ["slipway root image v1", String(decoding: seed, as: UTF8.self)]
        lines.append("tree \(treeDigest(tree))")
        lines.append("rootfs-only \(rootfsOnly)")
        lines += bootPackages.map { "boot package \($0.sha256)" }
        if let updateTool { lines.append("update tool \(fileDigest(updateTool))") }
        lines.append("tool \(fileDigest("/proc/self/exe"))")
        return SHA256.hexDigest(Array(lines.joined(separator: "\n").utf8))
    }

    /// Every node in walk order: path, metadata, and what it holds.
    static func treeDigest(_ tree: Tree) -> String {
        var hasher = SHA256()
        tree.walk { path, node in
            var line = "\(path)\u{0}\(node.metadata)\u{0}"
            switch node.kind {
            case .regular(.inline(let bytes)): line += "inline \(SHA256.hexDigest(bytes))"
            case .regular(.file(_, _, let length)): line += "file \(length)"
            default: line += "\(node.kind)"
            }
            hasher.update(Array((line + "\n").utf8))
        }
        return hex(hasher.finalize())
    }

    private static func fileDigest(_ path: String) -> String {
        (try? FileHashing.sha256Hex(ofFile: path)) ?? "unreadable \(path)"
    }
}

extension Ext4Result {
    /// What a kept root image records so a build that reuses it reports the same result.
    var cacheMetadata: [String: String] {
        [
            "sizeBytes": "\(sizeBytes)", "blockSize": "\(blockSize)", "blockCount": "\(blockCount)",
            "usedBlocks": "\(usedBlocks)", "inodeCount": "\(inodeCount)", "usedInodes": "\(usedInodes)",
            "uuid": uuid,
        ]
    }

    init?(cacheMetadata metadata: [String: String]) {
        guard let sizeBytes = metadata["sizeBytes"].flatMap(Int64.init),
            let blockSize = metadata["blockSize"].flatMap(Int.init),
            let blockCount = metadata["blockCount"].flatMap(UInt64.init),
            let usedBlocks = metadata["usedBlocks"].flatMap(UInt64.init),
            let inodeCount = metadata["inodeCount"].flatMap(UInt32.init),
            let usedInodes = metadata["usedInodes"].flatMap(UInt32.init), let uuid = metadata["uuid"]
        else { return nil }
        self.init(
            sizeBytes: sizeBytes, blockSize: blockSize, blockCount: blockCount, usedBlocks: usedBlocks,
            inodeCount: inodeCount, usedInodes: usedInodes, uuid: uuid)
    }
}

extension Builder {
    /// The registry cache the request or the environment names, or nil; a malformed name stops
    /// the build with the flag or variable it came from.
    static func registryCache(
        _ request: BuildRequest, environment: [String: String], cache: PackageCache
    ) throws -> RegistryCache? {
        do {
            return try RegistryCache.configured(
                option: request.cacheRegistry, environment: environment, cacheDirectory: cache.directory,
                notice: request.cacheNotice)
        } catch let error as RegistryError {
            throw BuildError(operation: "use the cache registry", path: error.subject, message: error.reason)
        }
    }
}
