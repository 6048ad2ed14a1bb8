// Applying a config to a root directory, in two phases. Prepare: resolve referenced configs, fetch
// and verify every resource, compute the account changes, check every entry against what exists
// in the root. Write: accounts, files/directories/links, units, kernel arguments. Everything that
// can fail because of the config or its resources fails in the first phase, so a bad config never
// leaves a half-configured root behind.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// How to apply a config.
public struct ApplyOptions: Sendable {
    /// Fetches http(s) resources; the default trusts this machine's certificate authorities.
    public var fetcher: any ResourceFetcher
    /// How long failing fetches are retried when the config sets no `httpTotal` (nil: forever).
    public var defaultTotalSeconds: Double?
    /// Report `storage.disks`, `raid`, `filesystems` and `luks` as warnings instead of failing (they
    /// need block devices, which a root directory does not have).
    public var ignoreStorageDevices: Bool
    /// The caller has set up `storage.disks` and `storage.filesystems` (the initrd partitions, formats
    /// and mounts them before the apply); `raid` and `luks` are still refused.
    public var devicesSetUp: Bool
    /// Days since 1970-01-01 written as "last password change" of new accounts (default: today).
    public var today: Int?

    public init(
        fetcher: any ResourceFetcher = StandardFetcher(), defaultTotalSeconds: Double? = 60,
        ignoreStorageDevices: Bool = false, devicesSetUp: Bool = false, today: Int? = nil
    ) {
        self.fetcher = fetcher
        self.defaultTotalSeconds = defaultTotalSeconds
        self.ignoreStorageDevices = ignoreStorageDevices
        self.devicesSetUp = devicesSetUp
        self.today = today
    }
}

/// What an apply did.
public struct ApplyReport: Sendable {
    /// Things that were not done or may not do what the config intends.
    public var warnings: [String] = []
    /// Paths (in the root) that were written, in order.
    public var written: [String] = []
}

/// Where slipway records the kernel arguments of a config for the boot step to apply.
public let kernelArgumentsRecordPath = "/etc/.slipway-kargs.json"

/// Applies configs to root directories.
public enum ConfigApplier {
    /// Applies `config` to the directory `root`: resolves referenced configs, fetches and verifies
    /// every resource and checks every entry first, then writes.
    public static func apply(_ config: Config, root: String, options: ApplyOptions = ApplyOptions())
        throws(FirstBootError)
        -> ApplyReport
    {
        var report = ApplyReport()
        let resolver = ConfigResolver(fetcher: options.fetcher, defaultTotalSeconds: options.defaultTotalSeconds)
        let resolved = try resolver.resolve(config, warnings: &report.warnings)
        // Configs built in code (or merged) get the same checks as parsed ones before any write.
        let errors = ConfigParser.validate(resolved, version: resolved.version ?? .latest).filter(\.isError)
        if !errors.isEmpty {
            throw FirstBootError(
                "validate config", "", "\(errors.count) error(s) in the config to apply; nothing was written",
                diagnostics: errors)
        }
        var plan = try Plan(config: resolved, root: RootDirectory(root), options: options, report: &report)
        do {
            try plan.write(report: &report)
            plan.root.syncAll()
        } catch {
            var partial = error
            partial.message +=
                "; the root may be partially configured (\(report.written.count) entries written before this)"
            throw partial
        }
        return report
    }
}

/// Everything needed to write, gathered and checked before the first write.
struct Plan {
    let config: Config
    let root: RootDirectory
    var accounts: AccountDatabase
    var accountEffects = AccountEffects()
    /// File contents (after decompression and verification) by index in `config.storage.files`.
    var contents: [Int: [UInt8]] = [:]
    var appends: [Int: [[UInt8]]] = [:]

    init(config: Config, root: RootDirectory, options: ApplyOptions, report: inout ApplyReport) throws(FirstBootError) {
        self.config = config
        self.root = root
        guard root.status(root.root.isEmpty ? "/" : root.root)?.kind == .directory else {
            throw FirstBootError("apply", root.root, "the root is not a directory")
        }
        try Plan.checkStorageDevices(
            config.storage, ignore: options.ignoreStorageDevices, setUp: options.devicesSetUp, report: &report)
        let loader = try ResourceLoader(
            fetcher: options.fetcher, timeouts: config.ignition.timeouts,
            defaultTotalSeconds: options.defaultTotalSeconds,
            version: config.version ?? .latest
        ).trustingAuthorities(of: config)
        for (index, file) in config.storage.files.enumerated() {
            let subject = "$.storage.files.\(index) (\(file.path))"
            if file.contents.source != nil { contents[index] = try loader.load(file.contents, subject: subject) }
            var fragments: [[UInt8]] = []
            for (appendIndex, fragment) in file.append.enumerated() {
                fragments.append(
                    try loader.load(fragment, subject: "$.storage.files.\(index).append.\(appendIndex) (\(file.path))"))
            }
            appends[index] = fragments
        }
        let today = options.today ?? Int(time(nil) / 86400)
        accounts = try AccountDatabase(root: root, today: today)
        try planAccounts()
        try checkNodes()
        try checkUnits(report: &report)
    }

    private static func checkStorageDevices(_ storage: Storage, ignore: Bool, setUp: Bool, report: inout ApplyReport)
        throws(FirstBootError)
    {
        var sections: [String] = []
        if !storage.disks.isEmpty && !setUp { sections.append("storage.disks") }
        if !storage.raid.isEmpty { sections.append("storage.raid") }
        if !storage.filesystems.isEmpty && !setUp { sections.append("storage.filesystems") }
        if !storage.luks.isEmpty { sections.append("storage.luks") }
        guard !sections.isEmpty else { return }
        let message =
            setUp
            ? "\(sections.joined(separator: ", ")) are not supported by slipway's first boot"
            : "\(sections.joined(separator: ", ")) cannot be applied to a root directory (they need block devices; "
                + "the image's first boot sets up storage.disks and storage.filesystems)"
        if ignore {
            report.warnings.append(message + "; ignored")
        } else {
            throw FirstBootError(
                "apply", sections.joined(separator: ", "), message + "; remove them or pass --ignore-devices")
        }
    }

    private mutating func planAccounts() throws(FirstBootError) {
        for (index, group) in config.passwd.groups.enumerated() {
            do {
                if group.shouldExist == false {
                    try accounts.deleteGroup(group.name)
                } else {
                    try accounts.addGroup(group)
                }
            } catch {
                throw FirstBootError(
                    error.operation, "$.passwd.groups.\(index) (\(TextRules.shown(group.name)))", error.message)
            }
        }
        for (index, user) in config.passwd.users.enumerated() {
            do {
                if user.shouldExist == false {
                    try accounts.deleteUser(user.name, effects: &accountEffects)
                } else {
                    try accounts.ensureUser(user, effects: &accountEffects)
                }
            } catch {
                throw FirstBootError(
                    error.operation, "$.passwd.users.\(index) (\(TextRules.shown(user.name)))", error.message)
            }
        }
    }

    /// The uid and gid for an entry: the configured owner (by id, or by name in the updated account
    /// files), else `defaults`.
    func owner(_ user: NodeOwner, _ group: NodeOwner, defaults: (UInt32, UInt32), subject: String)
        throws(FirstBootError)
        -> (UInt32, UInt32)
    {
        var uid = defaults.0
        var gid = defaults.1
        if let id = user.id {
            uid = UInt32(truncatingIfNeeded: id)
        } else if let name = user.name, !name.isEmpty {
            guard let found = accounts.uid(of: name) else {
                throw FirstBootError(
                    "resolve owner", subject, "no user \"\(name)\" in the root's /etc/passwd or the config")
            }
            uid = UInt32(truncatingIfNeeded: found)
        }
        if let id = group.id {
            gid = UInt32(truncatingIfNeeded: id)
        } else if let name = group.name, !name.isEmpty {
            guard let found = accounts.gid(ofGroup: name) else {
                throw FirstBootError(
                    "resolve owner", subject, "no group \"\(name)\" in the root's /etc/group or the config")
            }
            gid = UInt32(truncatingIfNeeded: found)
        }
        return (uid, gid)
    }

    /// Overwrite rules and owners, checked against the root as it is now.
    private func checkNodes() throws(FirstBootError) {
        var seen: [String: String] = [:]
        let rootHost = try root.resolve("/", followLast: true)
        func claim(_ hostPath: String, _ subject: String, isDirectory: Bool = false) throws(FirstBootError) {
            if hostPath == rootHost && !isDirectory {
                throw FirstBootError("apply", subject, "refusing to replace the root directory itself")
            }
            if let other = seen[hostPath] {
                throw FirstBootError("apply", subject, "resolves to the same place in the root as \(other)")
            }
            seen[hostPath] = subject
        }
        for (index, file) in config.storage.files.enumerated() {
            let subject = "$.storage.files.\(index) (\(file.path))"
            let hostPath = try root.resolve(file.path)
            try claim(hostPath, subject)
            try checkParents(of: file.path, subject: subject)
            _ = try owner(file.user, file.group, defaults: (0, 0), subject: subject)
            guard file.overwrite != true, let existing = root.status(hostPath) else { continue }
            if existing.kind != .file {
                throw FirstBootError("write file", subject, "a non-regular file exists there and overwrite is false")
            }
            if file.contents.source != nil {
                throw FirstBootError(
                    "write file", subject,
                    "a file exists there and overwrite is false; set overwrite: true to replace it")
            }
        }
        for (index, directory) in config.storage.directories.enumerated() {
            let subject = "$.storage.directories.\(index) (\(directory.path))"
            let hostPath = try root.resolve(directory.path)
            try claim(hostPath, subject, isDirectory: directory.overwrite != true)
            try checkParents(of: directory.path, subject: subject)
            _ = try owner(directory.user, directory.group, defaults: (0, 0), subject: subject)
            if directory.overwrite != true, let existing = root.status(hostPath), existing.kind != .directory {
                throw FirstBootError("create directory", subject, "a non-directory exists there and overwrite is false")
            }
        }
        for (index, link) in config.storage.links.enumerated() {
            let subject = "$.storage.links.\(index) (\(link.path))"
            let hostPath = try root.resolve(link.path)
            try claim(hostPath, subject)
            try checkParents(of: link.path, subject: subject)
            _ = try owner(link.user, link.group, defaults: (0, 0), subject: subject)
            let target = link.target ?? ""
            if let problem = TextRules.nulProblem(target, what: "link target") {
                throw FirstBootError("create link", subject, problem)
            }
            if link.hard == true, root.status(try root.resolve(target, followLast: true)) == nil,
                !config.storage.files.contains(where: { $0.path == target }),
                !config.storage.links.contains(where: { $0.path == target && $0.hard != true })
            {
                throw FirstBootError(
                    "create hard link", subject, "the target \(target) exists neither in the root nor in the config")
            }
            guard link.overwrite != true, let existing = root.status(hostPath) else { continue }
            if link.hard == true {
                let targetStatus = root.status(try root.resolve(target, followLast: true))
                if targetStatus?.inode != existing.inode || targetStatus?.device != existing.device {
                    throw FirstBootError(
                        "create hard link", subject, "something else exists there and overwrite is false")
                }
            } else if existing.kind != .symlink(target: target) {
                let found: String
                if case .symlink(let current) = existing.kind {
                    found = "a link to \(current)"
                } else {
                    found = "a non-link"
                }
                throw FirstBootError(
                    "create link", subject, "\(found) exists there, not a link to \(target), and overwrite is false")
            }
        }
    }

    /// Parents that exist must be directories (or links to them).
    private func checkParents(of path: String, subject: String) throws(FirstBootError) {
        var current = PathSyntax.dir(path)
        while current != "/" {
            let kind = root.lstatKind(try root.resolve(current, followLast: true))
            if kind == .directory { return }
            if kind != .missing {
                throw FirstBootError("apply", subject, "\(current) exists in the root and is not a directory")
            }
            current = PathSyntax.dir(current)
        }
    }

    mutating func write(report: inout ApplyReport) throws(FirstBootError) {
        try writeAccounts(report: &report)
        try writeNodes(report: &report)
        try writeUnits(report: &report)
        try writeKernelArguments(report: &report)
    }

    private func writeKernelArguments(report: inout ApplyReport) throws(FirstBootError) {
        let arguments = config.kernelArguments
        guard !arguments.shouldExist.isEmpty || !arguments.shouldNotExist.isEmpty else { return }
        let record = JSONNode.object([
            ("shouldExist", .array(arguments.shouldExist.map(JSONNode.string))),
            ("shouldNotExist", .array(arguments.shouldNotExist.map(JSONNode.string))),
        ])
        let hostPath = try root.resolve(kernelArgumentsRecordPath)
        try root.makeParents(of: kernelArgumentsRecordPath)
        try root.writeAtomically(
            hostPath, path: kernelArgumentsRecordPath, bytes: Array(record.serialized().utf8), mode: 0o644, uid: 0,
            gid: 0)
        report.written.append(kernelArgumentsRecordPath)
    }
}
