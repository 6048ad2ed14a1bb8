import Rootfs

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One directory entry as it is written: the name's bytes, the inode it names and its file type.
struct Ext4DirectoryEntry {
    var name: [UInt8]
    var inode: UInt32
    var fileType: UInt8
}

/// An inode to write, with everything the tree walk learnt about it.
struct Ext4PlannedInode {
    var number: UInt32
    /// nil only for a lost+found that the tree does not have.
    var node: Node?
    /// The first path at which the walk met the node; errors name it.
    var path: String
    var links: UInt32
    /// For directories: the parent's inode and the entries in byte order (without "." and "..").
    var parent: UInt32 = 0
    var entries: [Ext4DirectoryEntry] = []
}

/// The whole tree resolved to inodes before anything is written: numbers in walk order (parents
/// before children, names in byte order), hard links folded into one inode, link counts, and an
/// upper bound of the blocks everything will take, so size errors come before any data is written.
struct Ext4Plan {
    static let lostAndFound = "lost+found"
    /// mke2fs makes lost+found 16 KiB so e2fsck can reconnect files without allocating.
    static let lostAndFoundBlocks = 4
    /// EXT2_LINK_MAX: the most links an inode's 16-bit count may hold.
    static let maxLinks: UInt32 = 65000
    static let maxNameLength = 255

    /// In inode-number order: the root (2), lost+found (11), then the tree in walk order.
    private(set) var inodes: [Ext4PlannedInode] = []
    /// Upper bound of the data, directory, symlink, extent-tree and xattr blocks of the tree.
    private(set) var blocksNeeded: UInt64 = 0

    /// Inodes the tree needs besides the reserved ones 1 and 3–10: the root (2), lost+found and the rest.
    var inodesNeeded: Int { inodes.count }

    init(tree: Tree) throws {
        var numbers: [ObjectIdentifier: UInt32] = [ObjectIdentifier(tree.root): UInt32(2)]
        var indexOf: [UInt32: Int] = [:]
        var nextNumber = Ext4Geometry.firstInode + 1

        func add(_ planned: Ext4PlannedInode) {
            indexOf[planned.number] = inodes.count
            inodes.append(planned)
        }
        add(Ext4PlannedInode(number: 2, node: tree.root, path: "/", links: 2, parent: 2))

        // lost+found is inode 11 wherever its name sorts, as mke2fs makes it first.
        if let existing = tree.root.entries[Self.lostAndFound] {
            guard existing.isDirectory else {
                throw Ext4Error(
                    operation: "planning the tree", path: "/" + Self.lostAndFound,
                    reason: .invalid("must be a directory: e2fsck uses it to reconnect orphaned files"))
            }
        } else {
            add(Ext4PlannedInode(number: Ext4Geometry.firstInode, node: nil, path: "/lost+found", links: 2, parent: 2))
            inodes[0].entries.append(
                Ext4DirectoryEntry(
                    name: Array(Self.lostAndFound.utf8), inode: Ext4Geometry.firstInode,
                    fileType: 2))
            inodes[0].links += 1
        }

        // Depth-first, parents before children, names in byte order: Tree.walk's order. An explicit
        // stack instead of recursion, so a deep tree cannot exhaust the thread's stack.
        struct Frame {
            var node: Node
            var number: UInt32
            var index: Int
            var path: String
            var names: [String]
            var position = 0
        }
        var stack = [Frame(node: tree.root, number: 2, index: 0, path: "/", names: Self.sortedNames(tree.root))]
        while !stack.isEmpty {
            let top = stack.count - 1
            guard stack[top].position < stack[top].names.count else {
                stack.removeLast()
                continue
            }
            let name = stack[top].names[stack[top].position]
            stack[top].position += 1
            let directory = stack[top]
            guard let child = directory.node.entries[name] else { continue }
            let path = directory.path == "/" ? "/" + name : directory.path + "/" + name
            try Self.validate(name: name, path: path)
            let number: UInt32
            if let seen = numbers[ObjectIdentifier(child)] {
                guard !child.isDirectory else {
                    throw Ext4Error(
                        operation: "planning the tree", path: path,
                        reason: .invalid(
                            "this directory also appears elsewhere in the tree; directories cannot be hard links"))
                }
                number = seen
                guard let index = indexOf[seen], inodes[index].links < Self.maxLinks else {
                    throw Ext4Error(
                        operation: "planning the tree", path: path,
                        reason: .invalid("more than \(Self.maxLinks) hard links to one file"))
                }
                inodes[index].links += 1
            } else {
                if directory.number == 2 && name == Self.lostAndFound {
                    number = Ext4Geometry.firstInode
                } else {
                    guard nextNumber < UInt32.max else {
                        throw Ext4Error(operation: "planning the tree", path: path, reason: .invalid("too many inodes"))
                    }
                    number = nextNumber
                    nextNumber += 1
                }
                numbers[ObjectIdentifier(child)] = number
                add(
                    Ext4PlannedInode(
                        number: number, node: child, path: path, links: child.isDirectory ? 2 : 1,
                        parent: directory.number))
                if child.isDirectory {
                    inodes[directory.index].links += 1
                    stack.append(
                        Frame(
                            node: child, number: number, index: inodes.count - 1, path: path,
                            names: Self.sortedNames(child)))
                }
            }
            inodes[directory.index].entries.append(
                Ext4DirectoryEntry(name: Array(name.utf8), inode: number, fileType: Self.fileType(child.kind)))
        }

        // ext4's dir_nlink: a directory with too many subdirectories to count has a link count of 1.
        for index in inodes.indices where inodes[index].links >= Self.maxLinks {
            if inodes[index].node?.isDirectory ?? true { inodes[index].links = 1 }
        }
        inodes.sort { $0.number < $1.number }
        blocksNeeded = try inodes.reduce(0) { $0 + (try Self.blocksBound(for: $1)) }
    }

    /// `Node.sortedNames`'s byte order, compared with memcmp: the plan sorts every directory, and
    /// comparing UTF-8 views element by element dominated planning large trees.
    static func sortedNames(_ node: Node) -> [String] {
        node.entries.keys.sorted { left, right in
            var left = left, right = right
            return left.withUTF8 { a in
                right.withUTF8 { b in
                    let common = min(a.count, b.count)
                    if common > 0, let x = a.baseAddress, let y = b.baseAddress {
                        let order = memcmp(x, y, common)
                        if order != 0 { return order < 0 }
                    }
                    return a.count < b.count
                }
            }
        }
    }

    static func validate(name: String, path: String) throws {
        let bytes = Array(name.utf8)
        let rule: String?
        if bytes.isEmpty || name == "." || name == ".." {
            rule = "\"\(name)\" is not a valid file name"
        } else if bytes.contains(0) || bytes.contains(UInt8(ascii: "/")) {
            rule = "a file name cannot contain NUL or \"/\""
        } else if bytes.count > Self.maxNameLength {
            rule = "the name is \(bytes.count) bytes long; ext4 allows at most \(Self.maxNameLength)"
        } else {
            rule = nil
        }
        if let rule { throw Ext4Error(operation: "planning the tree", path: path, reason: .invalid(rule)) }
    }

    static func fileType(_ kind: NodeKind) -> UInt8 {
        switch kind {
        case .regular: 1
        case .directory: 2
        case .characterDevice: 3
        case .blockDevice: 4
        case .fifo: 5
        case .socket: 6
        case .symlink: 7
        }
    }
}
