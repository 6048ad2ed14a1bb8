import Rootfs
import TestSupport

/// The ways two trees differ: paths, kinds, metadata, file bytes (wherever they are stored) and
/// which paths share an inode. Empty when the trees are equivalent.
func differences(_ left: Tree, _ right: Tree) throws -> [String] {
    let a = try describe(left)
    let b = try describe(right)
    var found: [String] = []
    for path in Set(a.keys).union(b.keys).sorted() where a[path] != b[path] {
        found.append(
            "\(path): \(a[path].map(String.init(describing:)) ?? "missing") vs \(b[path].map(String.init(describing:)) ?? "missing")"
        )
    }
    return found
}

/// What one path of a tree holds, independent of where file bytes are stored.
private struct PathState: Equatable, CustomStringConvertible {
    var kind: String
    var bytes: [UInt8]
    var metadata: Metadata
    /// The first path (in walk order) of the inode: equal for names that share one.
    var inode: String

    var description: String { "\(kind) (\(bytes.count) bytes) \(metadata) inode \(inode)" }
}

private func describe(_ tree: Tree) throws -> [String: PathState] {
    var firstPath: [ObjectIdentifier: String] = [:]
    var described: [String: PathState] = [:]
    try tree.walk { path, node in
        let inode = firstPath[ObjectIdentifier(node)] ?? path
        firstPath[ObjectIdentifier(node)] = inode
        var state = PathState(kind: "\(node.kind)", bytes: [], metadata: node.metadata, inode: inode)
        if case .regular(let content) = node.kind {
            state.kind = "regular"
            state.bytes = try content.readBytes()
        }
        described[path] = state
    }
    return described
}
