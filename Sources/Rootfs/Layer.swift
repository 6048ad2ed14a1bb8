// A layer read and checked but not yet merged: its entries in order, with names validated and file
// contents already stored. Reading (decompression, hashing) is the slow part and runs for several
// layers at once; merging is quick and runs in layer order on one thread.

/// One layer, read and validated, ready for `RootfsAssembler.merge(_:)`. A layer holds no tree
/// nodes, so the same layer can be merged more than once (an image that repeats a layer).
public struct Layer: Sendable {
    /// The layer's name in errors.
    public let label: String
    var entries: [LayerEntry]

    init(label: String, entries: [LayerEntry] = []) {
        self.label = label
        self.entries = entries
    }

    /// How many entries (whiteouts included) the layer holds.
    public var entryCount: Int { entries.count }
}

/// One entry of a layer: a change to the tree at `path`.
struct LayerEntry: Sendable {
    /// Validated components; [] is the root.
    var path: [String]
    /// The name as the layer stores it, for errors.
    var raw: String
    var change: Change

    enum Change: Sendable {
        /// Put a node at `path` (a directory over a directory only updates metadata).
        case node(NodeKind, Metadata)
        /// Put the node already at `target` (this layer, earlier, or a lower one) at `path` too.
        case hardlink(target: [String], raw: String)
        /// Delete `path` from the lower layers (`.wh.NAME`).
        case whiteout
        /// Delete the children that lower layers gave the directory at `path` (`.wh..wh..opq`).
        case opaque
    }
}

/// The names OCI layers use to delete what lower layers hold ("Representing Changes" in the OCI
/// image spec): `.wh.NAME` deletes NAME; `.wh..wh..opq` in a directory hides everything lower
/// layers put in it.
enum Whiteout {
    static let prefix = ".wh."
    static let opaque = ".wh..wh..opq"

    /// What the entry at `path` means: a whiteout or opaque marker (at the path it acts on), or
    /// nil for an ordinary entry. A whiteout name anywhere but the last component is an error, and
    /// so is one that names nothing, "." or "..".
    static func classify(_ path: [String], raw: String, layer: String) throws -> (LayerEntry.Change, [String])? {
        for name in path.dropLast() where name.hasPrefix(prefix) {
            throw RootfsError(layer: layer, entry: raw, rule: .whiteoutAsDirectory(name))
        }
        guard let name = path.last, name.hasPrefix(prefix) else { return nil }
        let parent = Array(path.dropLast())
        if name == opaque { return (.opaque, parent) }
        let target = String(name.dropFirst(prefix.count))
        if target.isEmpty { throw RootfsError(layer: layer, entry: raw, rule: .whiteoutNamesNothing) }
        // ".wh.." and ".wh..." would name the directory itself or its parent: containerd refuses
        // them as invalid whiteout names, and so does slipway rather than delete either.
        if target == "." || target == ".." {
            throw RootfsError(layer: layer, entry: raw, rule: .whiteoutOutsideDirectory(name))
        }
        return (.whiteout, parent + [target])
    }
}

extension LayerEntry {
    /// Checks a symbolic link's target. Targets are stored as written and never followed while
    /// merging, so an absolute or escaping target is allowed; it must only be a valid one.
    static func checkLinkTarget(_ target: String, raw: String, layer: String) throws {
        let bytes = target.utf8
        let problem: String? =
            if bytes.isEmpty { "it is empty" } else if bytes.contains(0) {
                "it contains a NUL byte"
            } else if bytes.count >= TreePath.maximumPathBytes {
                "it is \(bytes.count) bytes; targets are limited to \(TreePath.maximumPathBytes - 1)"
            } else { nil }
        if let problem { throw RootfsError(layer: layer, entry: raw, rule: .invalidLinkTarget(problem)) }
    }
}

extension Layer {
    /// The newest modification time of the layer's entries, or nil for a layer without any: the
    /// default SOURCE_DATE_EPOCH of a build is the newest time found in its archive layers.
    public var newestModificationTime: Int64? {
        entries.compactMap { entry -> Int64? in
            if case .node(_, let metadata) = entry.change { return metadata.modificationTime }
            return nil
        }.max()
    }
}
