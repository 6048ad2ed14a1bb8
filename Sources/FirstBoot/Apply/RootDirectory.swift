// File operations confined to a target root directory. Paths from the config are resolved as if
// the process were chrooted there: symlinks met on the way are followed inside the root (an
// absolute target restarts at the root, `..` stops at it), so nothing is ever written outside.
// The last component is not followed, so an existing link at a path can be replaced, as in Ignition.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// What exists at a path.
enum NodeKind: Equatable {
    case missing
    case file
    case directory
    case symlink(target: String)
    case other
}

/// The status of an existing node.
struct NodeStatus {
    var kind: NodeKind
    var mode: UInt32
    var uid: UInt32
    var gid: UInt32
    var device: UInt64
    var inode: UInt64
}

/// A directory tree treated as `/` for every operation.
struct RootDirectory {
    /// The root as an absolute host path without a trailing slash ("" for "/").
    let root: String

    init(_ path: String) {
        var cleaned = PathSyntax.clean(path)
        if cleaned == "/" { cleaned = "" }
        root = cleaned
    }

    /// The host path of `path` (absolute inside the root), following symlinks in every component
    /// but the last (or in every component when `followLast`).
    func resolve(_ path: String, followLast: Bool = false) throws(FirstBootError) -> String {
        // The kernel would end the path at a NUL and write to a shorter path than the one given.
        if let problem = TextRules.nulProblem(path) { throw FirstBootError("resolve", TextRules.shown(path), problem) }
        var pending = PathSyntax.clean("/" + path).split(separator: "/").map(String.init)
        var resolved: [String] = []
        var hops = 0
        while !pending.isEmpty {
            let component = pending.removeFirst()
            if component == "." || component.isEmpty { continue }
            if component == ".." {
                if !resolved.isEmpty { resolved.removeLast() }
                continue
            }
            let isLast = pending.isEmpty
            let candidate = host(resolved + [component])
            if !isLast || followLast, case .symlink(let target) = lstatKind(candidate) {
                hops += 1
                if hops > 40 {
                    throw FirstBootError("resolve", path, "too many levels of symbolic links inside the root")
                }
                let targetParts = target.split(separator: "/").map(String.init)
                if target.hasPrefix("/") { resolved = [] }
                pending = targetParts + pending
                continue
            }
            resolved.append(component)
        }
        return host(resolved)
    }

    private func host(_ components: [String]) -> String {
        components.isEmpty ? (root.isEmpty ? "/" : root) : root + "/" + components.joined(separator: "/")
    }

    func lstatKind(_ hostPath: String) -> NodeKind { status(hostPath)?.kind ?? .missing }

    /// `lstat` of a host path; nil when it does not exist.
    func status(_ hostPath: String) -> NodeStatus? {
        var info = stat()
        guard lstat(hostPath, &info) == 0 else { return nil }
        let kind: NodeKind
        switch info.st_mode & S_IFMT {
        case S_IFREG: kind = .file
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symlink(target: readLink(hostPath) ?? "")
        default: kind = .other
        }
        return NodeStatus(
            kind: kind, mode: info.st_mode & 0o7777, uid: info.st_uid, gid: info.st_gid, device: UInt64(info.st_dev),
            inode: UInt64(info.st_ino))
    }

    func readLink(_ hostPath: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4097)
        let count = readlink(hostPath, &buffer, 4096)
        guard count >= 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Reads a whole regular file at a path in the root (following links inside the root).
    func read(_ path: String) throws(FirstBootError) -> [UInt8]? {
        let hostPath = try resolve(path, followLast: true)
        guard status(hostPath)?.kind == .file else { return nil }
        let fd = open(hostPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw posixError("read", path) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw posixError("read", path)
            }
            if count == 0 { return bytes }
            bytes += chunk[0..<count]
        }
    }

    func posixError(_ operation: String, _ path: String, _ code: Int32 = errno) -> FirstBootError {
        FirstBootError(operation, path, String(cString: strerror(code)))
    }

    // MARK: writing (host paths, already resolved)

    /// Creates the missing parents of `path` (a path in the root) as root-owned 0755 directories,
    /// as Ignition does; returns the host path of the direct parent.
    @discardableResult
    func makeParents(of path: String) throws(FirstBootError) -> String {
        try makeDirectories(PathSyntax.dir(path), mode: 0o755, uid: 0, gid: 0)
    }

    /// Creates `path` and its missing parents; only the directories created get `mode` and owner.
    /// Links on the way are followed inside the root, and a dangling link's target is created.
    /// Returns the host path.
    @discardableResult
    func makeDirectories(_ path: String, mode: UInt32, uid: UInt32, gid: UInt32, parentsMode: UInt32 = 0o755)
        throws(FirstBootError) -> String
    {
        let hostPath = try resolve(path, followLast: true)
        let relative = root.isEmpty ? hostPath : String(hostPath.dropFirst(root.count))
        let components = relative.split(separator: "/").map(String.init)
        var current = root
        for (index, component) in components.enumerated() {
            current += "/" + component
            switch lstatKind(current) {
            case .directory: continue
            case .missing:
                let isLast = index == components.count - 1
                let shown = "/" + components[0...index].joined(separator: "/")
                guard mkdir(current, 0o700) == 0 else { throw posixError("create directory", shown) }
                try setOwnerAndMode(
                    current, path: shown, uid: isLast ? uid : 0, gid: isLast ? gid : 0,
                    mode: isLast ? mode : parentsMode)
            default:
                throw FirstBootError(
                    "create directory", path,
                    "/" + components[0...index].joined(separator: "/") + " exists and is not a directory")
            }
        }
        return hostPath
    }

    func setOwnerAndMode(_ hostPath: String, path: String, uid: UInt32, gid: UInt32, mode: UInt32)
        throws(FirstBootError)
    {
        guard lchown(hostPath, uid, gid) == 0 else { throw posixError("change owner of", path) }
        // chown clears setuid/setgid bits, so the mode is set afterwards.
        guard chmod(hostPath, mode_t(mode)) == 0 else { throw posixError("change mode of", path) }
    }

    /// Writes `bytes` to a temporary file beside `hostPath` and renames it into place (see below).
    func writeAtomically(_ hostPath: String, path: String, bytes: [UInt8], mode: UInt32, uid: UInt32, gid: UInt32)
        throws(FirstBootError)
    {
        try writeAtomically(hostPath, path: path, mode: mode, uid: uid, gid: gid) { write throws(FirstBootError) in
            try write(bytes[...])
        }
    }

    /// Writes what `contents` hands to its writer, chunk by chunk, to a temporary file beside
    /// `hostPath` and renames it into place once `contents` returns; when it throws (a resource whose
    /// digest differs), the temporary file is removed and nothing is at `hostPath` that was not there.
    /// A file that replaces another (/etc/passwd, an overwrite) is flushed before the rename, so a
    /// crash leaves the old or the new contents, never an empty file; new files are flushed together
    /// by `syncAll`.
    func writeAtomically(
        _ hostPath: String, path: String, mode: UInt32, uid: UInt32, gid: UInt32,
        contents: (_ write: (ArraySlice<UInt8>) throws(FirstBootError) -> Void) throws(FirstBootError) -> Void
    ) throws(FirstBootError) {
        let replacing = status(hostPath) != nil
        let directory = PathSyntax.dir(hostPath)
        var template = Array((directory + "/.slipway-tmp-XXXXXX").utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw posixError("write", path) }
        let temporary = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        do throws(FirstBootError) {
            try contents { chunk throws(FirstBootError) in try writeAll(fd, chunk, path: path) }
            guard fchown(fd, uid, gid) == 0 else { throw posixError("change owner of", path) }
            guard fchmod(fd, mode_t(mode)) == 0 else { throw posixError("change mode of", path) }
            guard !replacing || fsync(fd) == 0 else { throw posixError("write", path) }
            close(fd)
            guard rename(temporary, hostPath) == 0 else { throw posixError("write", path) }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
    }

    /// Flushes everything written: one sync instead of an fsync per new file. Not syncfs on the root:
    /// in the image what is written lands on other filesystems mounted in it (STATE under /etc and /var).
    func syncAll() {
        sync()
    }

    /// Appends what `contents` hands to its writer to an existing file, or creates it (0644, root)
    /// when missing.
    func append(
        _ hostPath: String, path: String,
        contents: (_ write: (ArraySlice<UInt8>) throws(FirstBootError) -> Void) throws(FirstBootError) -> Void
    ) throws(FirstBootError) {
        let fd = open(hostPath, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw posixError("append to", path) }
        defer { close(fd) }
        try contents { chunk throws(FirstBootError) in try writeAll(fd, chunk, path: path) }
    }

    private func writeAll(_ fd: Int32, _ bytes: ArraySlice<UInt8>, path: String) throws(FirstBootError) {
        var offset = bytes.startIndex
        while offset < bytes.endIndex {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw posixError("write", path)
            }
            offset += written
        }
    }

    /// Removes whatever is at `hostPath`, recursively (like `rm -rf`, never following links).
    func removeAll(_ hostPath: String, path: String) throws(FirstBootError) {
        switch lstatKind(hostPath) {
        case .missing: return
        case .directory:
            guard let directory = opendir(hostPath) else { throw posixError("remove", path) }
            var names: [String] = []
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
                }
                if name != "." && name != ".." { names.append(name) }
            }
            closedir(directory)
            for name in names { try removeAll(hostPath + "/" + name, path: path + "/" + name) }
            guard rmdir(hostPath) == 0 else { throw posixError("remove", path) }
        default:
            guard unlink(hostPath) == 0 else { throw posixError("remove", path) }
        }
    }

    /// The names in a directory (empty when it does not exist).
    func list(_ hostPath: String) -> [String] {
        guard let directory = opendir(hostPath) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}
