// root.verity: the dm-verity hash tree appended to the root slot image (the Verity module), so the
// root image output, the disk's root slot and an update payload's root all carry it.
//
// The salt derives from the root image's seed (the profile digest and the digest of everything in
// the tree), so a rebuild writes the same tree and each version of a root gets its own salt.
import Foundation
import Hashing
import Verity

enum VerityStage {
    /// Appends the hash tree to the root image at `rootfs`; returns it.
    static func append(to rootfs: URL, seed: [UInt8], progress: any ProgressReporter) throws -> VerityTree {
        progress.phase("verity hash tree")
        let salt = SHA256.hash(Array("slipway dm-verity salt\n".utf8) + seed)
        let tree: VerityTree
        do {
            tree = try Verity.appendHashTree(toFile: rootfs.path, salt: salt)
        } catch let error as VerityError {
            throw BuildError(
                operation: "write the verity hash tree", path: rootfs.path,
                message: "\(error.operation): \(error.message)")
        }
        progress.finish("\(tree.treeSize >> 10) KiB, root hash \(tree.rootHashHex.prefix(12))…")
        return tree
    }
}
