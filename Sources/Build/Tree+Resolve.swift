// Paths looked up the way the booted system will see them: symlinks followed inside the tree (an
// absolute target starts again at the tree's root, ".." stops at the root). A merged-/usr root, where
// /lib is a link to usr/lib, finds /lib/systemd/system/foo.service under /usr/lib.
import Rootfs

extension Tree {
    /// The components of `path` with every symlink resolved inside the tree, or nil when a
    /// component is missing or links loop. With `followLast` false a final symlink is kept.
    func resolvedComponents(of path: String, followLast: Bool = true) -> [String]? {
        var pending = TreePath.components(path)
        var resolved: [String] = []
        var links = 0
        while !pending.isEmpty {
            let name = pending.removeFirst()
            if name == ".." {
                _ = resolved.popLast()
                continue
            }
            guard let node = node(at: resolved + [name]) else { return nil }
            if case .symlink(let target) = node.kind, followLast || !pending.isEmpty {
                links += 1
                guard links <= 40 else { return nil }
                if target.hasPrefix("/") { resolved = [] }
                pending = TreePath.components(target) + pending
                continue
            }
            resolved.append(name)
        }
        return resolved
    }

    /// The node at `path` after resolving symlinks, with its resolved components.
    func resolvedNode(at path: String) -> (components: [String], node: Node)? {
        guard let components = resolvedComponents(of: path), let node = node(at: components) else { return nil }
        return (components, node)
    }

    /// Where a new entry at `path` lands: the parents that exist resolved through symlinks, the
    /// missing ones as written (to be created), the last name as given.
    func placement(of path: String) -> [String] {
        let components = TreePath.components(path)
        guard let last = components.last else { return [] }
        var parent: [String] = []
        for (index, name) in components.dropLast().enumerated() {
            guard let resolved = resolvedComponents(of: TreePath.string(parent + [name])) else {
                parent += components[index..<(components.count - 1)]
                break
            }
            parent = resolved
        }
        return parent + [last]
    }

    /// Puts a generated regular file at `path` (parents created 0755, owned by root), replacing
    /// whatever was there.
    func putFile(_ path: String, content: FileContent, mode: UInt16 = 0o644, modificationTime: Int64) throws {
        let node = Node(
            kind: .regular(content), metadata: Metadata(permissions: mode, modificationTime: modificationTime))
        try putNode(node, at: path, modificationTime: modificationTime)
    }

    /// Puts `node` at `path`, creating missing parents as 0755 root directories with `modificationTime`.
    func putNode(_ node: Node, at path: String, modificationTime: Int64) throws {
        do {
            try insert(
                node, at: placement(of: path),
                parentMetadata: Metadata(permissions: 0o755, modificationTime: modificationTime))
        } catch let error as TreeError {
            throw BuildError(operation: "add \(path) to the root", path: path, message: "\(error)")
        }
    }
}
