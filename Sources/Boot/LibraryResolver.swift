// Finding the shared libraries an executable needs, the way ld.so will at boot: its DT_NEEDED sonames
// and theirs, plus the program interpreter named in .interp.
import Rootfs

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Resolves executables' library closures from a `InitramfsBuilder.LibrarySource`.
struct LibraryResolver {
    /// A file to place in the initramfs.
    struct Library: Equatable {
        /// Absolute path inside the initramfs.
        var destination: String
        var content: FileContent
    }

    let source: InitramfsBuilder.LibrarySource

    /// Directories of a root tree searched for a soname, in ld.so's order on Debian.
    static let treeSearchPath = ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/lib", "/usr/lib"]

    /// The interpreter and libraries of every executable, each once, in discovery order.
    func closure(of executables: [(label: String, content: FileContent)]) throws -> [Library] {
        var found: [Library] = []
        var seen: Set<String> = []
        var pending: [(label: String, content: FileContent)] = executables
        while !pending.isEmpty {
            let (label, content) = pending.removeFirst()
            let elf = try ELF(try HostFile.bytes(of: content, label: label), label: label)
            if let interpreter = elf.interpreter(), !seen.contains(interpreter) {
                seen.insert(interpreter)
                // ld.so also appears as a DT_NEEDED of libc under its soname: it is the same object.
                seen.insert(Self.basename(interpreter))
                let content = try locate(interpreter, neededBy: label, exactPath: true)
                found.append(Library(destination: interpreter, content: content))
            }
            for soname in try elf.neededLibraries() where !seen.contains(soname) {
                seen.insert(soname)
                let content = try locate(soname, neededBy: label, exactPath: false)
                found.append(Library(destination: "/lib/" + soname, content: content))
                pending.append(("/lib/" + soname, content))
            }
        }
        return found
    }

    private func locate(_ name: String, neededBy label: String, exactPath: Bool) throws -> FileContent {
        let soname = Self.basename(name)
        switch source {
        case .directories(let directories):
            for directory in directories {
                let path = directory + "/" + soname
                if let size = try? HostFile.size(path) { return .file(path: path, offset: 0, length: size) }
            }
            throw notFound(name, neededBy: label, searched: directories)
        case .tree(let tree):
            let candidates = (exactPath ? [name] : []) + Self.treeSearchPath.map { $0 + "/" + soname }
            for candidate in candidates {
                guard let components = TreeLookup.resolve(candidate, in: tree), let node = tree.node(at: components),
                    case .regular(let content) = node.kind
                else { continue }
                return content
            }
            throw notFound(name, neededBy: label, searched: Self.treeSearchPath)
        }
    }

    private func notFound(_ name: String, neededBy label: String, searched: [String]) -> BootError {
        BootError(
            operation: "collect initramfs libraries", subject: name,
            message: "\(label) needs \(name), which is not in \(searched.joined(separator: ", ")); "
                + "include Debian's libc6, libstdc++6, libgcc-s1 and libssl3 in the root")
    }

    static func basename(_ path: String) -> String { path.split(separator: "/").last.map(String.init) ?? path }
}

/// Reading host files with plain POSIX calls (no Foundation).
enum HostFile {
    /// The size of the regular file at `path`.
    static func size(_ path: String) throws -> Int64 {
        var status = stat()
        guard stat(path, &status) == 0 else { throw failure("stat", path) }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw BootError(operation: "read file", subject: path, message: "not a regular file")
        }
        return Int64(status.st_size)
    }

    /// The bytes of `content`.
    static func bytes(of content: FileContent, label: String) throws -> [UInt8] {
        switch content {
        case .inline(let bytes): return bytes
        case .file(let path, let offset, let length):
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw failure("open", path) }
            defer { close(fd) }
            var bytes = [UInt8](repeating: 0, count: Int(length))
            var done = 0
            while done < bytes.count {
                let got = bytes.withUnsafeMutableBytes { buffer in
                    pread(fd, buffer.baseAddress.map { $0 + done }, buffer.count - done, off_t(offset) + off_t(done))
                }
                if got < 0 && errno == EINTR { continue }
                guard got > 0 else {
                    throw got < 0
                        ? failure("read", path)
                        : BootError(
                            operation: "read file", subject: path, message: "ended after \(done) of \(length) bytes")
                }
                done += got
            }
            return bytes
        }
    }

    private static func failure(_ call: String, _ path: String) -> BootError {
        BootError(operation: "read file", subject: path, message: "\(call): \(String(cString: strerror(errno)))")
    }
}
