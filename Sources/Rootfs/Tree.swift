// The merged root filesystem held in memory: directories, their entries and each file's metadata.
// File bytes are not held here: a regular file names where its bytes live (FileContent), and the
// image writers read them from there, so a build never extracts a layer to a staging directory.

/// Where a regular file's bytes come from; they are read only when an image is written.
public enum FileContent: Sendable, Hashable {
    /// Bytes held in memory: files declared inline in a profile, generated files.
    case inline([UInt8])
    /// A byte range of a host file: an overlay directory's file, a member of an uncompressed tar,
    /// or a slice of the content store that decompressed layers spill into.
    case file(path: String, offset: Int64, length: Int64)

    public static let empty = FileContent.inline([])

    /// The file's size in bytes.
    public var length: Int64 {
        switch self {
        case .inline(let bytes): Int64(bytes.count)
        case .file(_, _, let length): length
        }
    }
}

/// One extended attribute, e.g. `security.capability`.
public struct ExtendedAttribute: Sendable, Hashable {
    public var name: String
    public var value: [UInt8]
    public init(name: String, value: [UInt8]) {
        self.name = name
        self.value = value
    }
}

/// What every node carries besides its kind.
public struct Metadata: Sendable, Hashable {
    /// Permission bits including setuid, setgid and sticky (mask 0o7777); the file type is in `NodeKind`.
    public var permissions: UInt16
    public var uid: UInt32
    public var gid: UInt32
    /// Modification time in seconds since the epoch (clamped later to SOURCE_DATE_EPOCH).
    public var modificationTime: Int64
    /// Sorted by name, so writers emit them in a fixed order.
    public var xattrs: [ExtendedAttribute]

    public init(
        permissions: UInt16, uid: UInt32 = 0, gid: UInt32 = 0, modificationTime: Int64 = 0,
        xattrs: [ExtendedAttribute] = []
    ) {
        self.permissions = permissions & 0o7777
        self.uid = uid
        self.gid = gid
        self.modificationTime = modificationTime
        self.xattrs = xattrs.sorted { $0.name < $1.name }
    }

    public static let directoryDefault = Metadata(permissions: 0o755)
}

/// The type of a node and the data that only that type has.
public enum NodeKind: Sendable, Hashable {
    case regular(FileContent)
    case directory
    case symlink(target: String)
    case characterDevice(major: UInt32, minor: UInt32)
    case blockDevice(major: UInt32, minor: UInt32)
    case fifo
    case socket
}

/// An inode of the tree. Hard links are two directory entries that hold the same `Node` object,
/// so identity (`ObjectIdentifier`) is inode identity.
public final class Node: @unchecked Sendable {
    public var kind: NodeKind
    public var metadata: Metadata
    /// Directory entries by name; always empty for anything but a directory.
    public internal(set) var entries: [String: Node] = [:]

    public init(kind: NodeKind, metadata: Metadata) {
        self.kind = kind
        self.metadata = metadata
    }

    public var isDirectory: Bool {
        if case .directory = kind { return true }
        return false
    }

    /// Entry names in byte order: the one order every writer uses, so images are reproducible.
    public var sortedNames: [String] {
        entries.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}

/// A whole root filesystem. Paths are absolute-style strings ("/usr/bin/env") or component arrays;
/// callers are expected to have checked them with `TreePath` (no "..", no empty names).
public final class Tree: @unchecked Sendable {
    public let root: Node

    public init(root: Metadata = .directoryDefault) {
        self.root = Node(kind: .directory, metadata: root)
    }

    /// The node at `components`, following no symlinks.
    public func node(at components: [String]) -> Node? {
        var current = root
        for name in components {
            guard let next = current.entries[name] else { return nil }
            current = next
        }
        return current
    }

    public func node(at path: String) -> Node? { node(at: TreePath.components(path)) }

    /// Puts `node` at `components`, replacing what was there. Missing parents are created as
    /// directories with `parentMetadata`. Throws if a parent exists and is not a directory.
    public func insert(_ node: Node, at components: [String], parentMetadata: Metadata = .directoryDefault) throws {
        guard let name = components.last else { throw TreeError.replacingRoot }
        let parent = try directory(at: Array(components.dropLast()), creatingWith: parentMetadata)
        parent.entries[name] = node
    }

    /// The directory at `components`, created (with its parents) if missing.
    @discardableResult
    public func directory(at components: [String], creatingWith metadata: Metadata = .directoryDefault) throws -> Node {
        var current = root
        for (index, name) in components.enumerated() {
            if let next = current.entries[name] {
                guard next.isDirectory else {
                    throw TreeError.notADirectory("/" + components[...index].joined(separator: "/"))
                }
                current = next
            } else {
                let created = Node(kind: .directory, metadata: metadata)
                current.entries[name] = created
                current = created
            }
        }
        return current
    }

    /// Removes the entry at `components` (and everything below it). Returns whether there was one.
    @discardableResult
    public func remove(at components: [String]) -> Bool {
        guard let name = components.last, let parent = node(at: Array(components.dropLast())) else { return false }
        return parent.entries.removeValue(forKey: name) != nil
    }

    /// Removes every entry of the directory at `components`, keeping the directory itself.
    public func removeChildren(at components: [String]) {
        node(at: components)?.entries.removeAll()
    }

    /// Visits every node depth-first, parents before children, entries in byte order.
    /// The path passed is absolute ("/" for the root).
    public func walk(_ visit: (_ path: String, _ node: Node) throws -> Void) rethrows {
        func descend(_ node: Node, _ path: String) throws {
            try visit(path, node)
            for name in node.sortedNames {
                guard let child = node.entries[name] else { continue }
                try descend(child, path == "/" ? "/" + name : path + "/" + name)
            }
        }
        try descend(root, "/")
    }
}

/// Structural errors of the tree itself; layer errors, which know the layer and entry, wrap these.
public enum TreeError: Error, Equatable, CustomStringConvertible {
    case replacingRoot
    case notADirectory(String)

    public var description: String {
        switch self {
        case .replacingRoot: "cannot replace the root directory with another node"
        case .notADirectory(let path): "\(path) exists and is not a directory"
        }
    }
}

/// Splitting and checking of paths inside the tree.
public enum TreePath {
    /// Components of `path`, ignoring leading "/", "." and repeated separators. ".." is kept, so
    /// callers that take untrusted names must use `validated(_:)` instead.
    public static func components(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init).filter { $0 != "." }
    }
}
