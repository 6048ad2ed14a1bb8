// Paths of the new root as the system will see them, and the mounts they live on: used to check
// that /sbin/init is executable through its links, to tell a systemd root, and to refuse config
// entries on the read-only root before anything is written.
import Glibc

/// The mounts of this mount namespace, from /proc/self/mountinfo.
struct MountTable {
    struct Mount {
        var point: String
        var readOnly: Bool
    }

    var mounts: [Mount]

    /// Throws when mountinfo cannot be read: an empty table would make every path look writable
    /// and no disk look like the boot disk, so the checks that use it would pass when they must not.
    static func load() throws -> MountTable {
        let text = try System.readText("/proc/self/mountinfo")
        let mounts = text.split(separator: "\n").compactMap { line -> Mount? in
            // id parent major:minor root mount-point options ...
            let fields = line.split(separator: " ")
            guard fields.count > 5 else { return nil }
            return Mount(
                point: Escapes.mountinfo(String(fields[4])), readOnly: fields[5].split(separator: ",").contains("ro"))
        }
        return MountTable(mounts: mounts)
    }

    /// The mount a (host, symlink-free) path lives on: the longest mount point that contains it;
    /// of several mounts on one point, the last one (the one on top).
    func mount(containing path: String) -> Mount? {
        var best: Mount?
        for mount in mounts where path == mount.point || mount.point == "/" || path.hasPrefix(mount.point + "/") {
            if let current = best, current.point.utf8.count > mount.point.utf8.count { continue }
            best = mount
        }
        return best
    }
}

/// Resolves paths of the configured root as the system will see them: symbolic links are followed
/// inside the root (an absolute target starts again at the root, `..` stops there).
struct RootPathResolver {
    var root: String

    /// The host path of `path`, or of its deepest ancestor that exists.
    func nearestExisting(_ path: String) -> String {
        var current: [String] = []
        var pending = path.split(separator: "/").map(String.init)
        var links = 0
        while !pending.isEmpty {
            let name = pending.removeFirst()
            if name == "." || name.isEmpty { continue }
            if name == ".." {
                if !current.isEmpty { current.removeLast() }
                continue
            }
            let candidate = host(current + [name])
            var status = stat()
            guard lstat(candidate, &status) == 0 else { return host(current) }
            if (status.st_mode & S_IFMT) == S_IFLNK, links < 40 {
                links += 1
                var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
                let length = readlink(candidate, &buffer, buffer.count - 1)
                guard length > 0 else { return host(current) }
                let target = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if target.hasPrefix("/") { current = [] }
                pending = target.split(separator: "/").map(String.init) + pending
            } else {
                current.append(name)
            }
        }
        return host(current)
    }

    private func host(_ components: [String]) -> String {
        components.isEmpty ? root : root + "/" + components.joined(separator: "/")
    }
}
