// Checks a resolved config against the shape of a slipway system before anything is written. The
// library checks every entry against the root's contents, but not against its mounts: the root slot
// is read-only and only /etc (overlay), /var and /home (bound from STATE) can be written. An entry
// elsewhere would fail half-way through the write phase, so it is refused here, up front, with the
// entry and the directories that can be written. Hard links must also stay within one filesystem.
// It runs after StorageSetup has mounted the config's filesystems, which are writable too.
import FirstBoot
import Glibc

enum FirstBootPreflight {
    /// Throws the first entry that cannot be written into `root` (a mounted system, e.g. /sysroot).
    static func check(_ config: Config, root: String) throws(FirstBootError) {
        let storage = config.storage
        let mounts: MountTable
        do {
            mounts = try MountTable.load()
        } catch {
            throw FirstBootError(
                "check", "/proc/self/mountinfo",
                "\((error as? InitrdError)?.message ?? "\(error)"); without the mount table the read-only root "
                    + "cannot be told from the writable mounts, so nothing is written")
        }
        let resolver = RootPathResolver(root: root)
        func inRoot(_ host: String) -> String {
            let path = host.hasPrefix(root) ? String(host.dropFirst(root.count)) : host
            return path.isEmpty ? "/" : path
        }
        /// `what` (default: `path`) names what would be written, for the message.
        func requireWritable(_ path: String, _ subject: String, what: String? = nil) throws(FirstBootError) {
            guard let mount = mounts.mount(containing: resolver.nearestExisting(path)), mount.readOnly else { return }
            throw FirstBootError(
                "write", subject,
                "\(what ?? path) is on the image's read-only root; first-boot configs can write below /etc, /var "
                    + "and /home (put the rest in the image's profile)")
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
                    "write", subject,
                    "a hard link cannot cross filesystems: \(link.path) and its target \(target) are on different "
                        + "mounts (\(inRoot(linkMount?.point ?? "?")) and \(inRoot(targetMount?.point ?? "?"))); "
                        + "use a symbolic link")
            }
        }
        let accounts = try ExistingAccounts(root: root)
        for (index, user) in config.passwd.users.enumerated() where user.shouldExist != false {
            let existingHome = accounts.home(of: user.name)
            let writesHome = existingHome == nil ? user.noCreateHome != true : !user.sshAuthorizedKeys.isEmpty
            guard writesHome, let home = user.homeDir ?? existingHome ?? accounts.defaultHome(for: user.name) else {
                continue
            }
            try requireWritable(
                home, "$.passwd.users.\(index) (\(user.name))",
                what: existingHome == nil ? "the home directory \(home)" : "\(home) (where its SSH keys go)")
        }
    }

    private static func dirname(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }
}

/// The root's existing users, for where their homes are.
struct ExistingAccounts {
    var homes: [String: String] = [:]
    var homeBase = "/home"

    init(root: String) throws(FirstBootError) {
        for line in try Self.read(root + "/etc/passwd").split(separator: "\n") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            if fields.count >= 7 { homes[String(fields[0])] = String(fields[5]) }
        }
        for line in try Self.read(root + "/etc/default/useradd").split(separator: "\n")
        where line.hasPrefix("HOME=") {
            homeBase = String(line.dropFirst(5))
        }
    }

    /// The file's text, empty when it does not exist. Any other failure is an error: a passwd that
    /// cannot be read would send existing users' keys to a home they do not have.
    private static func read(_ path: String) throws(FirstBootError) -> String {
        if access(path, F_OK) != 0 && errno == ENOENT { return "" }
        do {
            return try System.readText(path)
        } catch {
            throw FirstBootError("read", path, (error as? InitrdError)?.message ?? "\(error)")
        }
    }

    func home(of user: String) -> String? { homes[user] }

    func defaultHome(for user: String) -> String? { homeBase + "/" + user }
}
