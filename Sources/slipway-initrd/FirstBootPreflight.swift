// Checks a resolved config against the shape of a slipway system before anything is written. The
// library checks every entry against the root's contents, but not against its mounts: the root slot
// is read-only and only /etc (overlay), /var and /home (bound from STATE) can be written. An entry
// elsewhere would fail half-way through the write phase, so it is refused here, up front, with the
// entry and the directories that can be written. Hard links must also stay within one filesystem.
import FirstBoot
import Glibc

enum FirstBootPreflight {
    /// Throws the first entry that cannot be written into `root` (a mounted system, e.g. /sysroot).
    static func check(_ config: Config, root: String) throws(FirstBootError) {
        let storage = config.storage
        var devices: [String] = []
        if !storage.disks.isEmpty { devices.append("storage.disks") }
        if !storage.raid.isEmpty { devices.append("storage.raid") }
        if !storage.filesystems.isEmpty { devices.append("storage.filesystems") }
        if !storage.luks.isEmpty { devices.append("storage.luks") }
        if !devices.isEmpty {
            throw FirstBootError(
                "check", "$." + devices[0],
                "slipway does not set up extra disks at first boot yet; remove \(devices.joined(separator: ", ")) "
                    + "from the config (files, directories, links, users and units work)")
        }
        let mounts = MountTable.load()
        let resolver = RootPathResolver(root: root)
        func requireWritable(_ path: String, _ subject: String, what: String = "") throws(FirstBootError) {
            let host = resolver.nearestExisting(path)
            guard let mount = mounts.mount(containing: host), mount.readOnly else { return }
            let inRoot = host.hasPrefix(root) ? String(host.dropFirst(root.count)) : host
            throw FirstBootError(
                "check", subject,
                "\(what)\(inRoot.isEmpty ? "/" : inRoot) is on the image's read-only root; first-boot configs "
                    + "can write below /etc, /var and /home (change the image's profile for the rest)")
        }
        for (index, file) in storage.files.enumerated() {
            try requireWritable(file.path, "$.storage.files.\(index) (\(file.path))")
        }
        for (index, directory) in storage.directories.enumerated() {
            try requireWritable(directory.path, "$.storage.directories.\(index) (\(directory.path))")
        }
        for (index, link) in storage.links.enumerated() {
            let subject = "$.storage.links.\(index) (\(link.path))"
            try requireWritable(link.path, subject)
            guard link.hard == true, let target = link.target else { continue }
            let linkMount = mounts.mount(containing: resolver.nearestExisting(dirname(link.path)))
            let targetMount = mounts.mount(containing: resolver.nearestExisting(target))
            if linkMount?.point != targetMount?.point {
                throw FirstBootError(
                    "check", subject,
                    "a hard link cannot cross filesystems: \(link.path) and its target \(target) are on different "
                        + "mounts (\(linkMount?.point ?? "?") and \(targetMount?.point ?? "?")); use a symbolic link")
            }
        }
        let accounts = ExistingAccounts(root: root)
        for (index, user) in config.passwd.users.enumerated() where user.shouldExist != false {
            let existingHome = accounts.home(of: user.name)
            let writesHome = existingHome == nil ? user.noCreateHome != true : !user.sshAuthorizedKeys.isEmpty
            guard writesHome, let home = user.homeDir ?? existingHome ?? accounts.defaultHome(for: user.name) else {
                continue
            }
            try requireWritable(
                home, "$.passwd.users.\(index) (\(user.name))",
                what: existingHome == nil ? "the home directory " : "SSH keys go to \(home)/.ssh, but ")
        }
    }

    private static func dirname(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }
}

/// The mounts of this mount namespace, from /proc/self/mountinfo.
struct MountTable {
    struct Mount {
        var point: String
        var readOnly: Bool
    }

    var mounts: [Mount]

    static func load() -> MountTable {
        let text = (try? System.readText("/proc/self/mountinfo")) ?? ""
        let mounts = text.split(separator: "\n").compactMap { line -> Mount? in
            // id parent major:minor root mount-point options ...
            let fields = line.split(separator: " ")
            guard fields.count > 5 else { return nil }
            return Mount(
                point: unescape(String(fields[4])), readOnly: fields[5].split(separator: ",").contains("ro"))
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

    /// Mountinfo escapes space, tab, newline and backslash as \ooo.
    private static func unescape(_ field: String) -> String {
        guard field.contains("\\") else { return field }
        var bytes: [UInt8] = []
        let source = Array(field.utf8)
        var index = 0
        while index < source.count {
            if source[index] == 0x5c, index + 3 < source.count,
                let value = UInt8(String(decoding: source[(index + 1)...(index + 3)], as: UTF8.self), radix: 8)
            {
                bytes.append(value)
                index += 4
            } else {
                bytes.append(source[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
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

/// The root's existing users, for where their homes are.
struct ExistingAccounts {
    var homes: [String: String] = [:]
    var homeBase = "/home"

    init(root: String) {
        for line in ((try? System.readText(root + "/etc/passwd")) ?? "").split(separator: "\n") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            if fields.count >= 7 { homes[String(fields[0])] = String(fields[5]) }
        }
        for line in ((try? System.readText(root + "/etc/default/useradd")) ?? "").split(separator: "\n")
        where line.hasPrefix("HOME=") {
            homeBase = String(line.dropFirst(5))
        }
    }

    func home(of user: String) -> String? { homes[user] }

    func defaultHome(for user: String) -> String? { homeBase + "/" + user }
}
