// Looking paths up in a Rootfs tree the way the booted system will see them: symlinks followed
// inside the tree (an absolute target means the tree's root, ".." stops at the root), so a merged-/usr
// root where /lib → usr/lib finds /lib/x86_64-linux-gnu/libc.so.6 under /usr/lib.
import Rootfs

enum TreeLookup {
    /// The components of `path` in `tree` with every symlink resolved inside the tree, or nil if a
    /// component is missing or the links loop. With `followLast` false a final symlink is kept.
    static func resolve(_ path: String, in tree: Tree, followLast: Bool = true) -> [String]? {
        var pending = TreePath.components(path)
        var resolved: [String] = []
        var hops = 0
        while !pending.isEmpty {
            let name = pending.removeFirst()
            if name == ".." {
                if !resolved.isEmpty { resolved.removeLast() }
                continue
            }
            guard let node = tree.node(at: resolved + [name]) else { return nil }
            if case .symlink(let target) = node.kind, followLast || !pending.isEmpty {
                hops += 1
                if hops > 40 { return nil }
                if target.hasPrefix("/") { resolved = [] }
                pending = TreePath.components(target) + pending
                continue
            }
            resolved.append(name)
        }
        return resolved
    }

    /// Where a new entry at `path` would land: its parent resolved through symlinks (missing parents
    /// are kept as they are, to be created), its last name as given.
    static func placement(of path: String, in tree: Tree) -> [String] {
        let components = TreePath.components(path)
        guard let last = components.last else { return [] }
        var parent: [String] = []
        for (index, name) in components.dropLast().enumerated() {
            if let resolved = resolve((parent + [name]).joined(separator: "/"), in: tree) {
                parent = resolved
            } else {
                parent += components[index..<(components.count - 1)]
                break
            }
        }
        return parent + [last]
    }
}
