// /etc/passwd, /etc/group, /etc/shadow and /etc/gshadow from a profile's `users:` and `groups:`.
// Package maintainer scripts (base-passwd, adduser) do not run at build time, so these files are
// written here: entries already in the tree (from a package or an overlay) are kept, and the
// profile's entries replace those of the same name. Passwords are locked ("!"): logins use keys
// from the first-boot config.
import Profile
import Rootfs

enum AccountFiles {
    static func write(users: [Profile.User], groups: [Profile.Group], into tree: Tree, timestamp: Int64) throws {
        guard !users.isEmpty || !groups.isEmpty else { return }
        var members: [String: [String]] = [:]
        for user in users {
            for group in user.groups { members[group.value, default: []].append(user.name.value) }
        }
        let passwd = users.map { user in
            [
                user.name.value, "x", "\(user.uid.value)", "\(user.gid.value)", user.gecos?.value ?? "",
                user.home.value, user.shell.value,
            ].joined(separator: ":")
        }
        let shadow = users.map { "\($0.name.value):!:0:0:99999:7:::" }
        let group = groups.map { group in
            "\(group.name.value):x:\(group.gid.value):\((members[group.name.value] ?? []).sorted().joined(separator: ","))"
        }
        let gshadow = groups.map { group in
            "\(group.name.value):!::\((members[group.name.value] ?? []).sorted().joined(separator: ","))"
        }
        try merge(passwd, into: "etc/passwd", mode: 0o644, gid: 0, tree: tree, timestamp: timestamp)
        try merge(group, into: "etc/group", mode: 0o644, gid: 0, tree: tree, timestamp: timestamp)
        let shadowGroup = try shadowGroup(in: tree)
        try merge(shadow, into: "etc/shadow", mode: 0o640, gid: shadowGroup, tree: tree, timestamp: timestamp)
        try merge(gshadow, into: "etc/gshadow", mode: 0o640, gid: shadowGroup, tree: tree, timestamp: timestamp)
    }

    /// Lines of `path` keyed by their first field, the profile's replacing the tree's; sorted by
    /// the numeric id in the third field where there is one, so the file reads like a real one.
    private static func merge(
        _ lines: [String], into path: String, mode: UInt16, gid: UInt32, tree: Tree, timestamp: Int64
    ) throws {
        guard !lines.isEmpty else { return }
        var byName: [String: String] = [:]
        if let node = tree.node(at: path), case .regular(let content) = node.kind {
            let text = String(decoding: try content.readBytes(limit: 1 << 24), as: UTF8.self)
            for line in text.split(separator: "\n") where !line.isEmpty {
                byName[String(line.prefix { $0 != ":" })] = String(line)
            }
        }
        for line in lines { byName[String(line.prefix { $0 != ":" })] = line }
        let ordered = byName.values.sorted { left, right in
            let (l, r) = (id(left), id(right))
            return l != r ? l < r : left < right
        }
        let bytes = Array((ordered.joined(separator: "\n") + "\n").utf8)
        let node = Node(
            kind: .regular(.inline(bytes)),
            metadata: Metadata(permissions: mode, uid: 0, gid: gid, modificationTime: timestamp))
        try tree.insert(node, at: TreePath.components(path))
    }

    private static func id(_ line: String) -> Int {
        let fields = line.split(separator: ":", omittingEmptySubsequences: false)
        return fields.count > 2 ? Int(fields[2]) ?? Int.max : Int.max
    }

    /// The gid of the `shadow` group if /etc/group in the tree has one (Debian: 42), else root.
    private static func shadowGroup(in tree: Tree) throws -> UInt32 {
        guard let node = tree.node(at: "etc/group"), case .regular(let content) = node.kind else { return 0 }
        let bytes = try content.readBytes(limit: 1 << 24)
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            if fields.count > 2, fields[0] == "shadow", let gid = UInt32(fields[2]) { return gid }
        }
        return 0
    }
}
