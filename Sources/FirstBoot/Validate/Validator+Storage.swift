// Rules of the `storage` section: files, directories, links, disks, RAID, filesystems, LUKS.

extension Validator {
    mutating func storage(_ storage: Storage) {
        let base = JSONPath.root.appending("storage")
        for (index, file) in storage.files.enumerated() {
            let path = base.appending("files", index)
            node(file.path, file.user, file.group, at: path)
            mode(file.mode, at: path.appending("mode"))
            if file.overwrite == true && file.contents.source == nil {
                error(path.appending("overwrite"), "overwrite must be false if source is unspecified")
            }
            resource(file.contents, at: path.appending("contents"))
            for (appendIndex, fragment) in file.append.enumerated() {
                resource(fragment, at: path.appending("append", appendIndex))
            }
        }
        for (index, directory) in storage.directories.enumerated() {
            let path = base.appending("directories", index)
            node(directory.path, directory.user, directory.group, at: path)
            mode(directory.mode, at: path.appending("mode"))
        }
        for (index, link) in storage.links.enumerated() {
            let path = base.appending("links", index)
            node(link.path, link.user, link.group, at: path)
            if (link.target ?? "").isEmpty { error(path.appending("target"), "link target is required") }
            if link.hard == true {
                for (key, owner) in [("user", link.user), ("group", link.group)] {
                    if owner.id != nil { warning(path.appending(key, "id"), "user/group ignored for hard link") }
                    if owner.name != nil { warning(path.appending(key, "name"), "user/group ignored for hard link") }
                }
            }
        }
        linksInPaths(storage, base: base)
        duplicates([
            (base.appending("directories"), storage.directories.map(\.path)),
            (base.appending("files"), storage.files.map(\.path)),
            (base.appending("links"), storage.links.map(\.path)),
        ])
        for (index, disk) in storage.disks.enumerated() { self.disk(disk, at: base.appending("disks", index)) }
        duplicates([(base.appending("disks"), storage.disks.map(\.device))])
        for (index, raid) in storage.raid.enumerated() { self.raid(raid, at: base.appending("raid", index)) }
        duplicates([(base.appending("raid"), storage.raid.map(\.name))])
        for (index, filesystem) in storage.filesystems.enumerated() {
            self.filesystem(filesystem, at: base.appending("filesystems", index))
        }
        duplicates([(base.appending("filesystems"), storage.filesystems.map(\.device))])
        for (index, luks) in storage.luks.enumerated() { self.luks(luks, at: base.appending("luks", index)) }
        duplicates([(base.appending("luks"), storage.luks.map(\.name))])
    }

    private mutating func node(_ nodePath: String, _ user: NodeOwner, _ group: NodeOwner, at path: JSONPath) {
        error(path.appending("path"), Validator.pathProblem(nodePath))
        for (key, owner) in [("user", user), ("group", group)] where owner.id != nil && !(owner.name ?? "").isEmpty {
            error(path.appending(key), "cannot set both id and name")
        }
    }

    private mutating func mode(_ mode: Int?, at path: JSONPath) {
        let problems = Validator.modeProblems(mode, version: version)
        error(path, problems.error)
        if let warning = problems.warning { self.warning(path, warning) }
    }

    /// Entries may not live below a path the config itself makes a link; hard links may not point at
    /// a directory of the config.
    private mutating func linksInPaths(_ storage: Storage, base: JSONPath) {
        let linkPaths = storage.links.map { $0.path + "/" }
        for (index, directory) in storage.directories.enumerated()
        where linkPaths.contains(where: directory.path.hasPrefix) {
            error(base.appending("directories", index), "directory path includes link in config")
        }
        for (index, file) in storage.files.enumerated() where linkPaths.contains(where: file.path.hasPrefix) {
            error(base.appending("files", index), "file path includes link in config")
        }
        for (index, link) in storage.links.enumerated() {
            if linkPaths.contains(where: link.path.hasPrefix) {
                error(base.appending("links", index), "link path includes link in config")
            }
            guard link.hard == true, let target = link.target else { continue }
            // Relative targets are joined to the link's own path, as Ignition's check does.
            let cleaned = PathSyntax.clean(target)
            let resolved = cleaned.hasPrefix("/") ? cleaned : PathSyntax.join(link.path, target)
            if storage.directories.contains(where: { $0.path == resolved }) {
                error(base.appending("links", index), "hard link target is a directory")
            }
        }
    }

    private mutating func disk(_ disk: Disk, at path: JSONPath) {
        guard !disk.device.isEmpty else {
            error(path.appending("device"), "disk device is required")
            return
        }
        error(path.appending("device"), Validator.pathProblem(disk.device))
        let partitions = path.appending("partitions")
        for (index, partition) in disk.partitions.enumerated() {
            self.partition(partition, at: partitions.appending(index))
        }
        var byNumber: [Int: [Int]] = [:]
        for (index, partition) in disk.partitions.enumerated() where partition.number != 0 {
            byNumber[partition.number, default: []].append(index)
        }
        if let collision = byNumber.values.filter({ $0.count > 1 }).map({ $0[1] }).min() {
            error(partitions.appending(collision), "partition numbers collide")
        }
        if let overlap = Validator.overlappingPartition(disk.partitions) {
            error(partitions.appending(overlap), "partitions overlap")
        }
        if disk.partitions.contains(where: { $0.number == 0 })
            && disk.partitions.contains(where: { $0.shouldExist == false })
        {
            error(partitions, "shouldExist is false for a partition and other partition(s) has start or size 0")
        }
        var labels: Set<String> = []
        for (index, partition) in disk.partitions.enumerated() {
            guard let label = partition.label else { continue }
            if !labels.insert(label).inserted {
                error(partitions.appending(index), "cannot use the same partition label twice")
                break
            }
        }
        duplicates([(partitions, disk.partitions.map(Validator.partitionKey))])
    }

    static func partitionKey(_ partition: Partition) -> String {
        if partition.number != 0 { return "number:\(partition.number)" }
        if let label = partition.label { return "label:\(label)" }
        return ""
    }

    private mutating func partition(_ partition: Partition, at path: JSONPath) {
        if partition.shouldExist == false
            && (partition.label != nil || !(partition.typeGuid ?? "").isEmpty || !(partition.guid ?? "").isEmpty
                || partition.startMiB != nil || partition.sizeMiB != nil)
        {
            error(path, "shouldExist specified false with other options also specified")
        }
        if partition.number == 0 && partition.label == nil {
            error(path, "a partition number >= 1 or a label must be specified")
        }
        if let label = partition.label {
            if label.utf16.count > 36 {
                error(path.appending("label"), "partition labels may not exceed 36 characters")
            } else if label.contains(":") {
                error(path.appending("label"), "partition label will be truncated to text before the colon")
            }
        }
        for (key, value) in [("guid", partition.guid), ("typeGuid", partition.typeGuid)] {
            if let value, !value.isEmpty, !Validator.isGUID(value) {
                error(path.appending(key), "doesn't match the form \"01234567-89AB-CDEF-EDCB-A98765432101\"")
            }
        }
    }

    static func isGUID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return false }
        for (index, byte) in bytes.enumerated() {
            if [8, 13, 18, 23].contains(index) {
                if byte != UInt8(ascii: "-") { return false }
            } else if PercentDecoding.hexValue(byte) == nil {
                return false
            }
        }
        return true
    }

    /// The index of the first partition another explicitly placed partition overlaps, as Ignition finds it.
    static func overlappingPartition(_ partitions: [Partition]) -> Int? {
        func end(_ p: Partition, _ start: Int, _ size: Int) -> Int { size == 0 ? start : start + size - 1 }
        for (pIndex, p) in partitions.enumerated() {
            guard let pStart = p.startMiB, let pSize = p.sizeMiB, pStart != 0 else { continue }
            let pEnd = end(p, pStart, pSize)
            for (oIndex, o) in partitions.enumerated() {
                guard oIndex != pIndex, o != p, let oStart = o.startMiB, let oSize = o.sizeMiB, oStart != 0 else {
                    continue
                }
                let oEnd = end(o, oStart, oSize)
                if (pStart >= oStart && pStart <= oEnd) || (pEnd >= oStart && pEnd <= oEnd)
                    || (pStart < oStart && pEnd > oEnd)
                {
                    return oIndex
                }
            }
        }
        return nil
    }

    private mutating func raid(_ raid: Raid, at path: JSONPath) {
        let level = raid.level ?? ""
        if version >= .v3_4 && level.isEmpty {
            error(path.appending("level"), "raid level is required")
        } else {
            switch level {
            case "linear", "raid0", "0", "stripe":
                if let spares = raid.spares, spares != 0 {
                    error(path.appending("level"), "spares unsupported for linear and raid0 arrays")
                }
            case "raid1", "1", "mirror", "raid4", "4", "raid5", "5", "raid6", "6", "raid10", "10": break
            default: error(path.appending("level"), "unrecognized raid level")
            }
        }
        if raid.devices.isEmpty { error(path.appending("devices"), "raid devices required") }
        for (index, device) in raid.devices.enumerated() {
            error(path.appending("devices", index), Validator.pathProblem(device))
        }
        duplicates([(path.appending("devices"), raid.devices)])
    }

    private mutating func filesystem(_ filesystem: Filesystem, at path: JSONPath) {
        if let mountPath = filesystem.path, !mountPath.isEmpty {
            error(path.appending("path"), Validator.pathProblem(mountPath))
        }
        error(path.appending("device"), Validator.pathProblem(filesystem.device))
        let format = filesystem.format ?? ""
        if format.isEmpty {
            if !(filesystem.path ?? "").isEmpty || !(filesystem.label ?? "").isEmpty || !(filesystem.uuid ?? "").isEmpty
                || filesystem.wipeFilesystem == true || !filesystem.mountOptions.isEmpty || !filesystem.options.isEmpty
            {
                error(
                    path.appending("format"),
                    "format cannot be empty when path, label, uuid, wipeFilesystem, options, or mountOptions is specified"
                )
            }
        } else {
            if !Validator.filesystemFormats(version).contains(format) {
                error(path.appending("format"), "invalid filesystem format")
            }
        }
        if let label = filesystem.label, !label.isEmpty {
            let limits = ["ext4": 16, "btrfs": 256, "xfs": 12, "swap": 15, "vfat": 11]
            if format.isEmpty {
                error(path.appending("label"), "filesystem must specify format if label is specified")
            } else if let limit = limits[format], label.utf8.count > limit {
                error(
                    path.appending("label"),
                    "filesystem labels cannot be longer than \(limit) characters when using \(format)")
            }
        }
    }

    /// The filesystem formats the spec allows.
    static func filesystemFormats(_ version: SpecVersion) -> [String] {
        version >= .v3_3 ? ["ext4", "btrfs", "xfs", "swap", "vfat", "none"] : ["ext4", "btrfs", "xfs", "swap", "vfat"]
    }

    private mutating func luks(_ luks: Luks, at path: JSONPath) {
        if luks.name.contains("/") { error(path.appending("name"), "device names cannot contain slashes") }
        if let label = luks.label, label.utf8.count > 47 {
            error(path.appending("label"), "luks device labels cannot be longer than 47 characters")
        }
        if let device = luks.device, !device.isEmpty {
            error(path.appending("device"), Validator.pathProblem(device))
        } else {
            error(path.appending("device"), "disk device is required")
        }
        let clevis = luks.clevis
        if clevis.custom.isSpecified
            && (!clevis.tang.isEmpty || clevis.tpm2 == true || (clevis.threshold != nil && clevis.threshold != 1))
        {
            error(path.appending("clevis"), "cannot use custom clevis config with tpm2, tang, or threshold")
        }
        if let source = luks.keyFile.source, !source.isEmpty, urlProblem(source) != nil {
            error(path.appending("keys"), "invalid key-file source")
        }
        resource(luks.keyFile, at: path.appending("keyFile"))
        let custom = path.appending("clevis", "custom")
        if clevis.custom.isSpecified {
            switch clevis.custom.pin ?? "" {
            case "tpm2", "tang", "sss": break
            case "" where version >= .v3_4: error(custom.appending("pin"), "missing required custom clevis pin")
            default: error(custom.appending("pin"), "unsupported clevis pin")
            }
            if (clevis.custom.config ?? "").isEmpty {
                error(custom.appending("config"), "missing required custom clevis config")
            }
        }
        for (index, tang) in clevis.tang.enumerated() {
            let tangPath = path.appending("clevis", "tang", index)
            error(tangPath.appending("url"), urlProblem(tang.url))
            if (tang.thumbprint ?? "").isEmpty { error(tangPath.appending("thumbprint"), "thumbprint is required") }
            if let advertisement = tang.advertisement, !advertisement.isEmpty,
                (try? JSONParser.parse(Array(advertisement.utf8))) == nil
            {
                error(tangPath.appending("advertisement"), "advertisement is not valid JSON")
            }
        }
        duplicates([(path.appending("clevis", "tang"), clevis.tang.map(\.url))])
    }
}
