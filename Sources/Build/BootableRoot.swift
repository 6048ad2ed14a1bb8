// The last check on a root before its image is written: the init the initrd runs and the
// directories it mounts on (BootSlots' RootLayout) are there, looked up as the booted system sees
// them (links followed inside the tree). Without it a profile that forgot `extends: base.yaml`
// builds an image whose initrd stops at "root has no /state directory to mount on".
import BootSlots
import Foundation
import Profile
import Rootfs

enum BootableRoot {
    /// Throws the missing init and mount points, at the profile's `init` and `root.layers`.
    static func check(_ tree: Tree, profile: Profile) throws {
        var problems: [ProfileProblem] = []
        let initPath = profile.initPath
        if let reason = initProblem(tree, initPath.value) {
            problems.append(
                ProfileProblem(
                    location: initPath.location, file: initPath.location.file, keyPath: "init", value: initPath.value,
                    message: Profile.missingInitMessage(initPath.value, reason: reason)))
        }
        let missing = RootLayout.mountPoints.filter { tree.resolvedNode(at: $0)?.node.isDirectory != true }
        if !missing.isEmpty {
            let root = profile.root.location
            problems.append(
                ProfileProblem(
                    location: root, file: root.file, keyPath: "root.layers", value: nil,
                    message: Profile.missingMountPointsMessage(missing, reason: "the root has no")))
        }
        if !problems.isEmpty { throw ProfileErrors(problems) }
    }

    /// Why `path` is not an init the kernel can run, or nil.
    static func initProblem(_ tree: Tree, _ path: String) -> String? {
        guard let (components, node) = tree.resolvedNode(at: path) else {
            if case .symlink(let target)? = tree.node(at: path)?.kind {
                return "the root has no \(path): it links to \(target), which is not in the root"
            }
            return "the root has no \(path)"
        }
        let resolved = TreePath.string(components)
        let shown = resolved == TreePath.string(TreePath.components(path)) ? path : "\(path) (\(resolved))"
        guard case .regular = node.kind else { return "\(shown) in the root is not a regular file" }
        guard node.metadata.permissions & 0o111 != 0 else {
            return "\(shown) in the root is not executable (mode \(String(node.metadata.permissions, radix: 8)))"
        }
        return nil
    }
}
