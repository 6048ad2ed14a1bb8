// Ignition's config merge rules (operator notes, "Config Merging"): the child's specified fields
// win; list entries with the same key are merged field by field in the parent's position, new
// child entries are appended; files, directories and links share one key space (a child file
// replaces a parent link at the same path), as do the two kernel argument lists; command argument
// lists (mkfs, mdadm, cryptsetup options) and file `append` lists are concatenated; an HTTP header
// without a value in the child removes the parent's header of that name.

extension Config {
    /// This config with `child` merged on top of it.
    public func merged(with child: Config) -> Config {
        var result = self
        let parentVersion = version ?? .v3_0
        let childVersion = child.version ?? .v3_0
        result.ignition.version = max(parentVersion, childVersion).description
        result.ignition.config = child.ignition.config
        result.ignition.timeouts.httpResponseHeaders =
            child.ignition.timeouts.httpResponseHeaders ?? ignition.timeouts.httpResponseHeaders
        result.ignition.timeouts.httpTotal = child.ignition.timeouts.httpTotal ?? ignition.timeouts.httpTotal
        result.ignition.security.tls.certificateAuthorities = Merge.keyed(
            ignition.security.tls.certificateAuthorities, child.ignition.security.tls.certificateAuthorities,
            key: { $0.source ?? "" }, merge: Merge.resource)
        result.ignition.proxy.httpProxy = child.ignition.proxy.httpProxy ?? ignition.proxy.httpProxy
        result.ignition.proxy.httpsProxy = child.ignition.proxy.httpsProxy ?? ignition.proxy.httpsProxy
        result.ignition.proxy.noProxy = Merge.strings(ignition.proxy.noProxy, child.ignition.proxy.noProxy)

        result.storage = Merge.storage(storage, child.storage)
        result.systemd.units = Merge.keyed(systemd.units, child.systemd.units, key: \.name) { parent, child in
            var unit = parent
            unit.enabled = child.enabled ?? parent.enabled
            unit.mask = child.mask ?? parent.mask
            unit.contents = child.contents ?? parent.contents
            unit.dropins = Merge.keyed(parent.dropins, child.dropins, key: \.name) { parent, child in
                Dropin(name: parent.name, contents: child.contents ?? parent.contents)
            }
            return unit
        }
        result.passwd.users = Merge.keyed(passwd.users, child.passwd.users, key: \.name, merge: Merge.user)
        result.passwd.groups = Merge.keyed(passwd.groups, child.passwd.groups, key: \.name) { parent, child in
            var group = parent
            group.gid = child.gid ?? parent.gid
            group.passwordHash = child.passwordHash ?? parent.passwordHash
            group.shouldExist = child.shouldExist ?? parent.shouldExist
            group.system = child.system ?? parent.system
            return group
        }
        let arguments = Merge.shared(
            [kernelArguments.shouldExist, kernelArguments.shouldNotExist],
            [child.kernelArguments.shouldExist, child.kernelArguments.shouldNotExist], key: { $0 },
            merge: { _, child in child })
        result.kernelArguments.shouldExist = arguments[0]
        result.kernelArguments.shouldNotExist = arguments[1]
        return result
    }
}

/// Merge helpers.
enum Merge {
    /// Entries of `parent` merged with the child's entry of the same key; then the child's new entries.
    static func keyed<T>(_ parent: [T], _ child: [T], key: (T) -> String, merge: (T, T) -> T) -> [T] {
        shared([parent], [child], key: key, merge: merge)[0]
    }

    /// Several lists sharing one key space: a child entry replaces a parent entry with the same key
    /// in another list, and merges with one in the same list.
    static func shared<T>(_ parents: [[T]], _ children: [[T]], key: (T) -> String, merge: (T, T) -> T) -> [[T]] {
        var childLists: [String: Int] = [:]
        var childEntries: [String: T] = [:]
        for (list, entries) in children.enumerated() {
            for entry in entries {
                childLists[key(entry)] = list
                childEntries[key(entry)] = entry
            }
        }
        var result: [[T]] = []
        var used: Set<String> = []
        for (list, entries) in parents.enumerated() {
            var merged: [T] = []
            for entry in entries {
                let entryKey = key(entry)
                guard let childList = childLists[entryKey], let childEntry = childEntries[entryKey] else {
                    merged.append(entry)
                    continue
                }
                if childList == list && !used.contains(entryKey) {
                    merged.append(merge(entry, childEntry))
                    used.insert(entryKey)
                }
            }
            result.append(merged)
        }
        for (list, entries) in children.enumerated() {
            for entry in entries where !used.contains(key(entry)) {
                result[list].append(entry)
                used.insert(key(entry))
            }
        }
        return result
    }

    static func strings(_ parent: [String], _ child: [String]) -> [String] {
        keyed(parent, child, key: { $0 }, merge: { _, child in child })
    }

    static func resource(_ parent: Resource, _ child: Resource) -> Resource {
        var result = parent
        result.source = child.source ?? parent.source
        result.compression = child.compression ?? parent.compression
        result.verification.hash = child.verification.hash ?? parent.verification.hash
        var headers = keyed(parent.httpHeaders, child.httpHeaders, key: \.name) { _, child in child }
        let removed = Set(child.httpHeaders.filter { $0.value == nil }.map(\.name))
        headers.removeAll { removed.contains($0.name) }
        result.httpHeaders = headers
        return result
    }

    static func owner(_ parent: NodeOwner, _ child: NodeOwner) -> NodeOwner {
        NodeOwner(id: child.id ?? parent.id, name: child.name ?? parent.name)
    }

    static func storage(_ parent: Storage, _ child: Storage) -> Storage {
        var result = parent
        // Files, directories and links are merged in one key space, one list at a time with a
        // sentinel that lets the shared algorithm see the other kinds.
        enum Entry {
            case file(File)
            case directory(Directory)
            case link(Link)
            var path: String {
                switch self {
                case .file(let file): return file.path
                case .directory(let directory): return directory.path
                case .link(let link): return link.path
                }
            }
        }
        let merged = shared(
            [parent.files.map(Entry.file), parent.directories.map(Entry.directory), parent.links.map(Entry.link)],
            [child.files.map(Entry.file), child.directories.map(Entry.directory), child.links.map(Entry.link)],
            key: \.path
        ) { parentEntry, childEntry in
            switch (parentEntry, childEntry) {
            case (.file(let p), .file(let c)):
                var file = p
                file.overwrite = c.overwrite ?? p.overwrite
                file.user = owner(p.user, c.user)
                file.group = owner(p.group, c.group)
                file.contents = resource(p.contents, c.contents)
                file.append = p.append + c.append
                file.mode = c.mode ?? p.mode
                return .file(file)
            case (.directory(let p), .directory(let c)):
                var directory = p
                directory.overwrite = c.overwrite ?? p.overwrite
                directory.user = owner(p.user, c.user)
                directory.group = owner(p.group, c.group)
                directory.mode = c.mode ?? p.mode
                return .directory(directory)
            case (.link(let p), .link(let c)):
                var link = p
                link.overwrite = c.overwrite ?? p.overwrite
                link.user = owner(p.user, c.user)
                link.group = owner(p.group, c.group)
                link.target = c.target ?? p.target
                link.hard = c.hard ?? p.hard
                return .link(link)
            default: return childEntry
            }
        }
        result.files = merged[0].compactMap { if case .file(let file) = $0 { return file } else { return nil } }
        result.directories = merged[1].compactMap { if case .directory(let d) = $0 { return d } else { return nil } }
        result.links = merged[2].compactMap { if case .link(let link) = $0 { return link } else { return nil } }

        result.disks = keyed(parent.disks, child.disks, key: \.device) { p, c in
            var disk = p
            disk.wipeTable = c.wipeTable ?? p.wipeTable
            disk.partitions = keyed(p.partitions, c.partitions, key: Validator.partitionKey) { p, c in
                var partition = p
                partition.label = c.label ?? p.label
                partition.sizeMiB = c.sizeMiB ?? p.sizeMiB
                partition.startMiB = c.startMiB ?? p.startMiB
                partition.typeGuid = c.typeGuid ?? p.typeGuid
                partition.guid = c.guid ?? p.guid
                partition.wipePartitionEntry = c.wipePartitionEntry ?? p.wipePartitionEntry
                partition.shouldExist = c.shouldExist ?? p.shouldExist
                partition.resize = c.resize ?? p.resize
                return partition
            }
            return disk
        }
        result.raid = keyed(parent.raid, child.raid, key: \.name) { p, c in
            var raid = p
            raid.level = c.level ?? p.level
            raid.devices = strings(p.devices, c.devices)
            raid.spares = c.spares ?? p.spares
            raid.options = p.options + c.options
            return raid
        }
        result.filesystems = keyed(parent.filesystems, child.filesystems, key: \.device) { p, c in
            var filesystem = p
            filesystem.format = c.format ?? p.format
            filesystem.path = c.path ?? p.path
            filesystem.label = c.label ?? p.label
            filesystem.uuid = c.uuid ?? p.uuid
            filesystem.wipeFilesystem = c.wipeFilesystem ?? p.wipeFilesystem
            filesystem.options = p.options + c.options
            filesystem.mountOptions = p.mountOptions + c.mountOptions
            return filesystem
        }
        result.luks = keyed(parent.luks, child.luks, key: \.name) { p, c in
            var luks = p
            luks.device = c.device ?? p.device
            luks.keyFile = resource(p.keyFile, c.keyFile)
            luks.label = c.label ?? p.label
            luks.uuid = c.uuid ?? p.uuid
            luks.options = p.options + c.options
            luks.discard = c.discard ?? p.discard
            luks.openOptions = p.openOptions + c.openOptions
            luks.wipeVolume = c.wipeVolume ?? p.wipeVolume
            luks.clevis.tang = keyed(p.clevis.tang, c.clevis.tang, key: \.url) { p, c in
                var tang = p
                tang.thumbprint = c.thumbprint ?? p.thumbprint
                tang.advertisement = c.advertisement ?? p.advertisement
                return tang
            }
            luks.clevis.tpm2 = c.clevis.tpm2 ?? p.clevis.tpm2
            luks.clevis.threshold = c.clevis.threshold ?? p.clevis.threshold
            luks.clevis.custom.pin = c.clevis.custom.pin ?? p.clevis.custom.pin
            luks.clevis.custom.config = c.clevis.custom.config ?? p.clevis.custom.config
            luks.clevis.custom.needsNetwork = c.clevis.custom.needsNetwork ?? p.clevis.custom.needsNetwork
            luks.cex.enabled = c.cex.enabled ?? p.cex.enabled
            return luks
        }
        return result
    }

    static func user(_ p: PasswdUser, _ c: PasswdUser) -> PasswdUser {
        var user = p
        user.passwordHash = c.passwordHash ?? p.passwordHash
        user.sshAuthorizedKeys = strings(p.sshAuthorizedKeys, c.sshAuthorizedKeys)
        user.uid = c.uid ?? p.uid
        user.gecos = c.gecos ?? p.gecos
        user.homeDir = c.homeDir ?? p.homeDir
        user.noCreateHome = c.noCreateHome ?? p.noCreateHome
        user.primaryGroup = c.primaryGroup ?? p.primaryGroup
        user.groups = strings(p.groups, c.groups)
        user.noUserGroup = c.noUserGroup ?? p.noUserGroup
        user.noLogInit = c.noLogInit ?? p.noLogInit
        user.shell = c.shell ?? p.shell
        user.shouldExist = c.shouldExist ?? p.shouldExist
        user.system = c.system ?? p.system
        return user
    }
}
