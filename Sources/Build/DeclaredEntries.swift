// Entries a profile declares one by one (symlinks, directories), put into the tree in layer order.
// They go through the same path rule as archive members and never replace a directory's contents.
import Profile
import Rootfs

enum DeclaredEntries {
    static func addSymlinks(_ links: [Profile.Symlink], to tree: Tree, at layer: String) throws {
        for link in links {
            let components = try components(of: link.path, layer: layer)
            let metadata = Metadata(permissions: 0o777, uid: link.owner.value.uid, gid: link.owner.value.gid)
            try insert(
                Node(kind: .symlink(target: link.target.value), metadata: metadata), at: components, in: tree,
                declared: link.path)
        }
    }

    static func addDirectories(_ directories: [Profile.Directory], to tree: Tree, at layer: String) throws {
        for directory in directories {
            let components = try components(of: directory.path, layer: layer)
            let metadata = Metadata(
                permissions: directory.mode.value, uid: directory.owner.value.uid, gid: directory.owner.value.gid)
            if let existing = tree.node(at: components), existing.isDirectory {
                existing.metadata = metadata
            } else {
                try insert(
                    Node(kind: .directory, metadata: metadata), at: components, in: tree, declared: directory.path)
            }
        }
    }

    private static func components(of path: Located<String>, layer: String) throws -> [String] {
        let relative = String(path.value.drop { $0 == "/" })
        let components = try TreePath.validated(relative.isEmpty ? "." : relative, layer: "\(path.location)")
        guard !components.isEmpty else {
            throw BuildError(
                operation: "declare an entry", path: "\(path.location)", message: "the root cannot be replaced")
        }
        return components
    }

    private static func insert(_ node: Node, at components: [String], in tree: Tree, declared: Located<String>) throws {
        do {
            try tree.insert(node, at: components)
        } catch let error as TreeError {
            throw BuildError(operation: "declare \(declared.value)", path: "\(declared.location)", message: "\(error)")
        }
    }
}
