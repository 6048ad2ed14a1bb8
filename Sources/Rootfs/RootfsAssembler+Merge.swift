// Merging one layer onto the tree with the rules of the OCI image spec ("Representing Changes"):
//
// - `.wh.NAME` deletes NAME, and `.wh..wh..opq` deletes a directory's children, as the lower layers
//   left them. Both act before any of the layer's own entries are added, so they never remove an
//   entry of the same layer, whatever the order of the entries in the archive.
// - An entry replaces what was at its path. A directory over a directory takes the new metadata and
//   keeps the children; anything else replaces the node (and a directory's whole subtree).
// - A hard link resolves, without following symbolic links, to the node already at its target
//   (earlier in the same layer or in a lower one) and shares it.
// - Parents are never resolved through a symbolic link or a non-directory: such an entry is an
//   error, so no layer can write outside the tree or through a link planted by a lower layer.
//   Whiteouts and opaque markers under a symbolic link are errors too; under a missing path or a
//   file they have nothing to delete.
//   Missing parents are created as 0755 root directories.

extension RootfsAssembler {
    /// Merges `layer` onto the tree. Layers must be merged in order, on one thread.
    public func merge(_ layer: Layer) throws {
        for entry in layer.entries {
            switch entry.change {
            case .whiteout:
                guard let name = entry.path.last,
                    let parent = try existingDirectory(at: entry.path.dropLast(), for: entry, layer: layer.label)
                else { continue }
                parent.entries.removeValue(forKey: name)
            case .opaque:
                try existingDirectory(at: entry.path[...], for: entry, layer: layer.label)?.entries.removeAll()
            case .node, .hardlink:
                continue
            }
        }
        for entry in layer.entries {
            switch entry.change {
            case .whiteout, .opaque:
                continue
            case .node(let kind, let metadata):
                guard let name = entry.path.last else {
                    tree.root.metadata = metadata
                    continue
                }
                let parent = try parentDirectory(of: entry, layer: layer.label)
                if kind == .directory, let existing = parent.entries[name], existing.isDirectory {
                    existing.metadata = metadata
                } else {
                    parent.entries[name] = Node(kind: kind, metadata: metadata)
                }
            case .hardlink(let target, let raw):
                guard let node = tree.node(at: target) else {
                    throw RootfsError(layer: layer.label, entry: entry.raw, rule: .hardlinkTargetMissing(raw))
                }
                guard !node.isDirectory else {
                    throw RootfsError(layer: layer.label, entry: entry.raw, rule: .hardlinkToDirectory(raw))
                }
                guard let name = entry.path.last else {
                    throw RootfsError(layer: layer.label, entry: entry.raw, rule: .rootNotDirectory)
                }
                try parentDirectory(of: entry, layer: layer.label).entries[name] = node
            }
        }
    }

    /// The directory a whiteout of `entry` acts in, if every step to it is a directory; nil if
    /// something is missing or is a file or device (a whiteout there has nothing to delete). A
    /// symbolic link on the way is an error: containerd resolves it inside the root and deletes
    /// what the link points at, and refusing is the only answer that neither differs silently
    /// from that nor follows a link.
    private func existingDirectory(at components: ArraySlice<String>, for entry: LayerEntry, layer: String) throws
        -> Node?
    {
        var current = tree.root
        for (index, name) in components.enumerated() {
            guard let next = current.entries[name] else { return nil }
            switch next.kind {
            case .directory:
                current = next
            case .symlink:
                let path = TreePath.string(components.prefix(index + 1))
                throw RootfsError(layer: layer, entry: entry.raw, rule: .parentIsSymlink(path))
            default:
                return nil
            }
        }
        return current
    }

    /// The parent directory of `entry`'s path, creating missing directories (0755, root) and
    /// refusing to pass through a symbolic link or any other non-directory.
    private func parentDirectory(of entry: LayerEntry, layer: String) throws -> Node {
        var current = tree.root
        for (index, name) in entry.path.dropLast().enumerated() {
            if let next = current.entries[name] {
                switch next.kind {
                case .directory:
                    current = next
                case .symlink:
                    let path = TreePath.string(entry.path[...index])
                    throw RootfsError(layer: layer, entry: entry.raw, rule: .parentIsSymlink(path))
                default:
                    let path = TreePath.string(entry.path[...index])
                    throw RootfsError(layer: layer, entry: entry.raw, rule: .parentNotDirectory(path))
                }
            } else {
                let created = Node(kind: .directory, metadata: .directoryDefault)
                current.entries[name] = created
                current = created
            }
        }
        return current
    }
}
