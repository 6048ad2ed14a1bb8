// Reading a layer from a host directory (a profile's overlays) and from profile-declared files.
// The walk uses lstat and never follows a symbolic link: a link is stored as a link, whatever it
// points at. File contents are referenced in place and read only when the image is written.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

extension Layer {
    /// Walks `directory` in byte order of names. Every node gets `uid`:`gid` (the files belong to
    /// whoever checked them out, not to the image) and keeps its permission bits and mtime. The
    /// directory itself stands for the root of the tree but does not change the root's metadata.
    /// Files with several links inside the walk become hard links of the first one seen.
    static func read(directory: String, uid: UInt32, gid: UInt32, label: String, limits: RootfsLimits) throws -> Layer {
        var info = stat()
        guard stat(directory, &info) == 0 else {
            throw RootfsError(
                layer: label, rule: .io(operation: "read the directory", path: directory, message: errnoText()))
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw RootfsError(
                layer: label, rule: .io(operation: "read the directory", path: directory, message: "not a directory"))
        }
        var walker = DirectoryWalker(label: label, uid: uid, gid: gid, limits: limits)
        try walker.walk(directory, relative: "")
        return Layer(label: label, entries: walker.entries)
    }

    /// A layer of files given in full (a profile's `files:`). Missing parents become 0755 root
    /// directories when the layer is merged.
    static func read(files: [InlineFile], label: String) throws -> Layer {
        var layer = Layer(label: label)
        for file in files {
            let path = try TreePath.validated(file.path, layer: label)
            if path.isEmpty { throw RootfsError(layer: label, entry: file.path, rule: .rootNotDirectory) }
            let metadata = Metadata(
                permissions: file.permissions, uid: file.uid, gid: file.gid, modificationTime: file.modificationTime)
            layer.entries.append(
                LayerEntry(path: path, raw: file.path, change: .node(.regular(.inline(file.bytes)), metadata)))
        }
        return layer
    }
}

private struct DirectoryWalker {
    let label: String
    let uid: UInt32
    let gid: UInt32
    let limits: RootfsLimits
    var entries: [LayerEntry] = []
    /// The first path seen for each (device, inode) with more than one link.
    var firstLink: [FileIdentity: [String]] = [:]

    init(label: String, uid: UInt32, gid: UInt32, limits: RootfsLimits) {
        self.label = label
        self.uid = uid
        self.gid = gid
        self.limits = limits
    }

    mutating func walk(_ host: String, relative: String) throws {
        for name in try names(in: host) {
            let hostPath = host + "/" + name
            let raw = relative.isEmpty ? name : relative + "/" + name
            guard entries.count < limits.maximumEntriesPerLayer else {
                throw RootfsError(layer: label, entry: raw, rule: .tooManyEntries(limit: limits.maximumEntriesPerLayer))
            }
            let path = try TreePath.validated(raw, layer: label)
            var info = stat()
            guard lstat(hostPath, &info) == 0 else {
                throw RootfsError(
                    layer: label, entry: raw, rule: .io(operation: "lstat", path: hostPath, message: errnoText()))
            }
            if let (change, target) = try Whiteout.classify(path, raw: raw, layer: label) {
                entries.append(LayerEntry(path: target, raw: raw, change: change))
                continue
            }
            let metadata = Metadata(
                permissions: UInt16(truncatingIfNeeded: info.st_mode & 0o7777), uid: uid, gid: gid,
                modificationTime: Int64(info.st_mtim.tv_sec))
            let kind: NodeKind
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                entries.append(LayerEntry(path: path, raw: raw, change: .node(.directory, metadata)))
                try walk(hostPath, relative: raw)
                continue
            case S_IFREG:
                if info.st_nlink > 1 {
                    let identity = FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
                    if let first = firstLink[identity] {
                        entries.append(
                            LayerEntry(
                                path: path, raw: raw, change: .hardlink(target: first, raw: TreePath.string(first))))
                        continue
                    }
                    firstLink[identity] = path
                }
                let size = Int64(info.st_size)
                guard size <= limits.maximumFileSize else {
                    throw RootfsError(
                        layer: label, entry: raw, rule: .fileTooLarge(size: size, limit: limits.maximumFileSize))
                }
                kind = .regular(size == 0 ? .empty : .file(path: hostPath, offset: 0, length: size))
            case S_IFLNK:
                let target = try linkTarget(hostPath, raw: raw)
                try LayerEntry.checkLinkTarget(target, raw: raw, layer: label)
                kind = .symlink(target: target)
            case S_IFCHR: kind = .characterDevice(major: major(info.st_rdev), minor: minor(info.st_rdev))
            case S_IFBLK: kind = .blockDevice(major: major(info.st_rdev), minor: minor(info.st_rdev))
            case S_IFIFO: kind = .fifo
            default: kind = .socket
            }
            entries.append(LayerEntry(path: path, raw: raw, change: .node(kind, metadata)))
        }
    }

    /// The names in `host` (without "." and ".."), in byte order so the layer is the same on every machine.
    private func names(in host: String) throws -> [String] {
        let fd = open(host, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0, let stream = fdopendir(fd) else {
            let message = errnoText()
            if fd >= 0 { close(fd) }
            throw RootfsError(layer: label, rule: .io(operation: "read the directory", path: host, message: message))
        }
        defer { closedir(stream) }
        var names: [[UInt8]] = []
        while let item = readdir(stream) {
            let name = withUnsafeBytes(of: item.pointee.d_name) { raw in
                Array(raw.prefix { $0 != 0 })
            }
            if name == [0x2e] || name == [0x2e, 0x2e] { continue }
            names.append(name)
        }
        names.sort { $0.lexicographicallyPrecedes($1) }
        return try names.map { bytes in
            guard let name = String(validating: bytes, as: UTF8.self) else {
                throw RootfsError(
                    layer: label, entry: String(decoding: bytes, as: UTF8.self),
                    rule: .io(
                        operation: "read the name of an entry in", path: host, message: "the name is not valid UTF-8"))
            }
            return name
        }
    }

    private func linkTarget(_ hostPath: String, raw: String) throws -> String {
        var buffer = [UInt8](repeating: 0, count: TreePath.maximumPathBytes + 1)
        let count = buffer.withUnsafeMutableBytes { bytes in
            bytes.baseAddress.map { readlink(hostPath, $0, bytes.count) } ?? -1
        }
        guard count >= 0 else {
            throw RootfsError(
                layer: label, entry: raw, rule: .io(operation: "readlink", path: hostPath, message: errnoText()))
        }
        guard let target = String(validating: buffer[0..<count], as: UTF8.self) else {
            throw RootfsError(layer: label, entry: raw, rule: .invalidLinkTarget("it is not valid UTF-8"))
        }
        return target
    }

    /// Linux's encoding of device numbers in `st_rdev` (glibc's gnu_dev_major / gnu_dev_minor).
    private func major(_ device: dev_t) -> UInt32 {
        let value = UInt64(device)
        return UInt32(truncatingIfNeeded: ((value >> 8) & 0xfff) | ((value >> 32) & ~UInt64(0xfff)))
    }

    private func minor(_ device: dev_t) -> UInt32 {
        let value = UInt64(device)
        return UInt32(truncatingIfNeeded: (value & 0xff) | ((value >> 12) & ~UInt64(0xff)))
    }
}

private struct FileIdentity: Hashable {
    var device: UInt64
    var inode: UInt64
}
