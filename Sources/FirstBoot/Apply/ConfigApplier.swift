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
    /// Report `storage.disks` and `filesystems` as warnings instead of failing (they need block
    /// devices, which a root directory does not have). `raid` and `luks`, which first boot does not
    /// support, fail validation either way (`StorageSupport`).
    public var ignoreStorageDevices: Bool
    /// The caller has set up `storage.disks` and `storage.filesystems` (the initrd partitions, formats
    /// and mounts them before the apply).
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
    /// File contents by index in `config.storage.files`: fetched and verified, decoded again as
    /// they are written.
    var contents: [Int: LoadedResource] = [:]
    var appends: [Int: [LoadedResource]] = [:]

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
            if file.contents.source != nil {
                let resource = try loader.fetch(file.contents, subject: subject)
                try resource.check(subject: subject)
                contents[index] = resource
            }
            var fragments: [LoadedResource] = []
            for (appendIndex, fragment) in file.append.enumerated() {
                let fragmentSubject = "$.storage.files.\(index).append.\(appendIndex) (\(file.path))"
                let resource = try loader.fetch(fragment, subject: fragmentSubject)
                try resource.check(subject: fragmentSubject)
                fragments.append(resource)
            }
            appends[index] = fragments
        }
        let today = options.today ?? Int(time(nil) / 86400)
        accounts = try AccountDatabase(root: root, today: today)
        try planAccounts()
        try checkNodes()
        try checkUnits(report: &report)
        try Plan.checkKernelArguments(config.kernelArguments)
    }

    /// The boot step writes kernel arguments into the boot entry's `options` line, which a control
    /// character (a newline, even quoted) would end; refused here for every config that reaches apply.
    private static func checkKernelArguments(_ arguments: KernelArguments) throws(FirstBootError) {
        for (key, list) in [("shouldExist", arguments.shouldExist), ("shouldNotExist", arguments.shouldNotExist)] {
            for (index, argument) in list.enumerated() {
                if let problem = TextRules.kernelArgumentProblem(argument) {
                    throw FirstBootError("record kernel arguments", "$.kernelArguments.\(key).\(index)", problem)
                }
            }
        }
    }

    private static func checkStorageDevices(_ storage: Storage, ignore: Bool, setUp: Bool, report: inout ApplyReport)
        throws(FirstBootError)
    {
        var sections: [String] = []
        if !storage.disks.isEmpty { sections.append("storage.disks") }
        if !storage.filesystems.isEmpty { sections.append("storage.filesystems") }
        guard !sections.isEmpty, !setUp else { return }
        let message =
            "\(sections.joined(separator: ", ")) cannot be applied to a root directory (they need block devices; "
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
