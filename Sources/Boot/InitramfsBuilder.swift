// The initramfs: a cpio newc archive the kernel unpacks into its first root before running /init.
//
//   /init                          slipway-initrd (dynamic: Swift's runtime is static, libc is not)
//   /lib64/ld-linux-x86-64.so.2    its program interpreter, at the exact path the executable names
//   /lib/<soname>                  its shared libraries and theirs (ld.so searches /lib by default)
//   /lib/modules/VERSION/**.ko     the early-boot module closure, uncompressed
//   /etc/slipway/modules           the modules' absolute paths in load order
//   /bin/busybox, /bin/sh, ...     optional rescue shell
//   /dev/console, /proc, /sys, /run, /sysroot, /tmp
//
// Members are written parents first, names in byte order, all owned by root with one fixed mtime,
// so the same inputs give the same bytes.
public import Archive
public import Rootfs

/// Assembles and writes the initramfs that boots a slipway image.
public struct InitramfsBuilder: Sendable {
    /// The `/init` executable: the slipway-initrd binary.
    public var initExecutable: FileContent
    /// Where the executables' shared libraries and program interpreter are taken from.
    public var libraries: LibrarySource
    /// The early-boot modules, loaded in this order by /init (nil for none).
    public var modules: ModuleClosure?
    /// A statically linked busybox (Debian's busybox-static) to install as the rescue shell.
    public var busybox: FileContent?
    /// The compression filter; use `KernelPackage.initramfsCompression` for what the kernel unpacks.
    public var compression: ArchiveCompression
    /// The mtime of every member (SOURCE_DATE_EPOCH of the build).
    public var modificationTime: Int64

    /// Where shared libraries come from.
    public enum LibrarySource: Sendable {
        /// Host directories searched in order for each soname (tests: `/lib/x86_64-linux-gnu`).
        case directories([String])
        /// A root filesystem holding Debian's libc6, libstdc++6, libgcc-s1 and libssl3; sonames are looked up
        /// in its /lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu, /lib64, /lib and /usr/lib.
        case tree(Tree)
    }

    /// The applets linked to busybox in /bin: enough to look around and repair a boot by hand.
    public static let rescueApplets = [
        "ash", "blkid", "cat", "chroot", "cp", "df", "dmesg", "echo", "find", "grep", "head", "insmod", "less",
        "ln", "ls", "lsmod", "mkdir", "mknod", "modprobe", "mount", "mv", "ps", "reboot", "rm", "sh", "sleep",
        "switch_root", "sync", "tail", "umount", "vi",
    ]

    public init(
        initExecutable: FileContent, libraries: LibrarySource, modules: ModuleClosure? = nil,
        busybox: FileContent? = nil, compression: ArchiveCompression, modificationTime: Int64 = 0
    ) {
        self.initExecutable = initExecutable
        self.libraries = libraries
        self.modules = modules
        self.busybox = busybox
        self.compression = compression
        self.modificationTime = modificationTime
    }

    /// The contents of a host file, for `initExecutable` and `busybox`.
    public static func hostFile(_ path: String) throws -> FileContent {
        let size = try HostFile.size(path)
        return .file(path: path, offset: 0, length: size)
    }

    /// The initramfs as a tree: what `write(to:)` archives, for callers that want to inspect it.
    public func tree() throws -> Tree {
        let tree = Tree(root: Metadata(permissions: 0o755, modificationTime: modificationTime))
        let directory = Metadata(permissions: 0o755, modificationTime: modificationTime)
        let executable = Metadata(permissions: 0o755, modificationTime: modificationTime)
        let plain = Metadata(permissions: 0o644, modificationTime: modificationTime)
        func put(_ path: String, _ kind: NodeKind, _ metadata: Metadata) throws {
            do {
                try tree.insert(
                    Node(kind: kind, metadata: metadata), at: TreePath.components(path), parentMetadata: directory)
            } catch {
                throw BootError(operation: "assemble initramfs", subject: path, message: "\(error)")
            }
        }

        for mountPoint in ["dev", "proc", "sys", "run", "sysroot", "tmp", "etc/slipway"] {
            try tree.directory(at: TreePath.components(mountPoint), creatingWith: directory)
        }
        // The kernel opens /dev/console for /init's stdin, stdout and stderr before devtmpfs is mounted.
        try put(
            "/dev/console", .characterDevice(major: 5, minor: 1),
            Metadata(permissions: 0o600, modificationTime: modificationTime))
        try put("/init", .regular(initExecutable), executable)

        var executables: [(label: String, content: FileContent)] = [("/init", initExecutable)]
        if let busybox {
            try put("/bin/busybox", .regular(busybox), executable)
            for applet in Self.rescueApplets {
                try put(
                    "/bin/" + applet, .symlink(target: "busybox"),
                    Metadata(permissions: 0o777, modificationTime: modificationTime))
            }
            executables.append(("/bin/busybox", busybox))
        }
        let resolver = LibraryResolver(source: libraries)
        for library in try resolver.closure(of: executables) {
            try put(library.destination, .regular(library.content), executable)
        }

        var loadList = ""
        if let modules {
            for module in modules.modules {
                let path = "/lib/modules/\(modules.version)/\(module.uncompressedPath)"
                try put(path, .regular(.inline(try module.object())), plain)
                loadList += path + "\n"
            }
        }
        try put("/etc/slipway/modules", .regular(.inline(Array(loadList.utf8))), plain)
        return tree
    }

    /// Writes the initramfs to `path` (atomically: beside it, then renamed). Returns the member paths in
    /// archive order.
    @discardableResult
    public func write(to path: String) throws -> [String] {
        let tree = try tree()
        do {
            let writer = try ArchiveWriter(path: path, format: .cpioNewc, compression: compression)
            let members = try Self.archive(tree, into: writer)
            try writer.close()
            return members
        } catch let error as ArchiveError {
            throw BootError(operation: "write initramfs", subject: path, message: error.description)
        }
    }

    /// Writes every node of `tree` but its root to `writer`, parents before children, names in byte
    /// order. Returns the member paths ("init", "lib/libc.so.6": relative, as the kernel expects).
    static func archive(_ tree: Tree, into writer: ArchiveWriter) throws -> [String] {
        var members: [String] = []
        try tree.walk { path, node in
            guard path != "/" else { return }
            let name = String(path.dropFirst())
            let metadata = node.metadata
            func entry(_ type: EntryType, link: String? = nil, major: UInt32 = 0, minor: UInt32 = 0) -> ArchiveEntry {
                ArchiveEntry(
                    path: name, type: type, permissions: metadata.permissions, uid: metadata.uid, gid: metadata.gid,
                    modificationTime: metadata.modificationTime, linkTarget: link, deviceMajor: major,
                    deviceMinor: minor)
            }
            switch node.kind {
            case .directory: try writer.write(entry(.directory))
            case .symlink(let target): try writer.write(entry(.symlink, link: target))
            case .characterDevice(let major, let minor):
                try writer.write(entry(.characterDevice, major: major, minor: minor))
            case .blockDevice(let major, let minor): try writer.write(entry(.blockDevice, major: major, minor: minor))
            case .fifo: try writer.write(entry(.fifo))
            case .socket: try writer.write(entry(.socket))
            case .regular(.inline(let bytes)): try writer.write(entry(.regular), bytes: bytes)
            case .regular(.file(let host, let offset, let length)):
                try writer.write(entry(.regular), contentsOf: host, offset: offset, length: length)
            }
            members.append(name)
        }
        return members
    }
}
