// Checks across sections, run after decoding: things no single value shows wrong on its own, like
// partitions that cannot fit the disk, a dependency on a container that does not exist, or a unit
// both enabled and masked. Exact repeats that `extends:` list appending produces are dropped here.

extension Profile {
    mutating func validate(in c: DecodeContext) {
        deduplicate()
        checkDisk(in: c)
        checkVerity(in: c)
        checkAccounts(in: c)
        checkServices(in: c)
        checkSystem(in: c)
        checkApt(in: c)
        checkUpdateKeys(in: c)
        for (index, layer) in root.layers.enumerated() {
            layer.checkDuplicates(FieldPath().key("root").key("layers").index(index), in: c)
        }
    }

    /// Repeats of the same value in a list (a base and its extension both enabling a unit) mean the
    /// same thing as one; keep the first.
    private mutating func deduplicate() {
        func unique<T: Hashable>(_ items: [Located<T>]) -> [Located<T>] {
            var seen: Set<T> = []
            return items.filter { seen.insert($0.value).inserted }
        }
        kernel.cmdline = unique(kernel.cmdline)
        kernel.initrdModules = unique(kernel.initrdModules)
        kernel.rootModules = unique(kernel.rootModules)
        root.remove = unique(root.remove)
        services.enable = unique(services.enable)
        services.mask = unique(services.mask)
        health.units = unique(health.units)
        health.daemons = unique(health.daemons)
        health.containers = unique(health.containers)
        apt.sources = unique(apt.sources)
    }

    private func checkDisk(in c: DecodeContext) {
        let path = FieldPath().key("disk")
        if case .fixed(let slot) = disk.root.value, case .fixed(let content) = root.size.value, content > slot {
            c.report(
                root.size.location, FieldPath().key("root").key("size"), value: Self.formatSize(content),
                "the root filesystem is larger than a root slot (disk.root \(Self.formatSize(slot))); raise disk.root or shrink root.size"
            )
        }
        guard case .fixed(let total) = disk.size.value else { return }
        var parts = [
            "\(Self.formatSize(Self.gptOverhead)) for the partition table", "esp \(Self.formatSize(disk.esp.value))",
        ]
        var need = Self.gptOverhead + disk.esp.value + disk.state.value
        if case .fixed(let slot) = disk.root.value {
            need += 2 * slot
            parts.append("root 2 × \(Self.formatSize(slot))")
        }
        if let oem = disk.oem {
            need += oem.value
            parts.append("oem \(Self.formatSize(oem.value))")
        }
        parts.append("state \(Self.formatSize(disk.state.value))")
        if need > total {
            let sized = disk.root.value == .auto ? "the fixed partitions need" : "the partitions need"
            c.report(
                disk.size.location, path.key("size"), value: Self.formatSize(total),
                "\(sized) \(Self.formatSize(need)) (\(parts.joined(separator: " + "))); raise disk.size or shrink a partition"
            )
        }
    }

    /// A verified root is read-only by construction: the device the initrd mounts cannot be written.
    private func checkVerity(in c: DecodeContext) {
        guard root.verity.value, !root.readOnly.value else { return }
        c.report(
            root.verity.location, FieldPath().key("root").key("verity"), value: "true",
            "a verified root cannot be written, and root.read-only is false; "
                + "set root.read-only: true or root.verity: false")
    }

    private func checkAccounts(in c: DecodeContext) {
        var uids: [UInt32: String] = [:]
        for user in users {
            let path = FieldPath().key("users").key(user.name.value)
            if let other = uids[user.uid.value] {
                c.report(
                    user.uid.location, path.key("uid"), value: "\(user.uid.value)",
                    "uid is also used by user \(quoted(other))")
            } else {
                uids[user.uid.value] = user.name.value
            }
            if !groups.contains(where: { $0.gid.value == user.gid.value }) {
                c.report(
                    user.gid.location, path.key("gid"), value: "\(user.gid.value)",
                    "no group in \"groups\" has this gid; declare the user's primary group there")
            }
            for (index, group) in user.groups.enumerated()
            where !groups.contains(where: { $0.name.value == group.value }) {
                c.report(
                    group.location, path.key("groups").index(index), value: group.value,
                    "no such group in \"groups\"; declare it there with its gid"
                        + suggestion(group.value, groups.map(\.name.value)))
            }
        }
        var gids: [UInt32: String] = [:]
        for group in groups {
            if let other = gids[group.gid.value] {
                c.report(
                    group.gid.location, FieldPath().key("groups").key(group.name.value).key("gid"),
                    value: "\(group.gid.value)",
                    "gid is also used by group \(quoted(other))")
            } else {
                gids[group.gid.value] = group.name.value
            }
        }
    }

    private func checkServices(in c: DecodeContext) {
        let enabled = Set(services.enable.map(\.value))
        for (index, unit) in services.mask.enumerated() where enabled.contains(unit.value) {
            c.report(
                unit.location, FieldPath().key("services").key("mask").index(index), value: unit.value,
                "the unit is also in services.enable; a masked unit cannot start, so keep it in one list")
        }
    }

    private func checkSystem(in c: DecodeContext) {
        let names = system.map(\.name.value)
        for container in system {
            let path = FieldPath().key("system").key(container.name.value).key("depends-on")
            for (index, dependency) in container.dependsOn.enumerated() {
                if dependency.value == container.name.value {
                    c.report(
                        dependency.location, path.index(index), value: dependency.value,
                        "a container cannot depend on itself")
                } else if !names.contains(dependency.value) {
                    c.report(
                        dependency.location, path.index(index), value: dependency.value,
                        "no such container in \"system\"" + suggestion(dependency.value, names))
                }
            }
        }
        if let cycle = dependencyCycle() {
            c.report(
                cycle.location, FieldPath().key("system").key(cycle.names[0]).key("depends-on"),
                "dependency cycle: \(cycle.names.joined(separator: " → ")); remove one of these depends-on entries")
        }
        for (index, name) in health.containers.enumerated() where !names.contains(name.value) {
            c.report(
                name.location, FieldPath().key("health").key("containers").index(index), value: name.value,
                "no such container in \"system\"" + suggestion(name.value, names))
        }
    }

    /// The first cycle in `depends-on`, as the names along it (first name repeated at the end).
    private func dependencyCycle() -> (names: [String], location: SourceLocation)? {
        let byName = Dictionary(system.map { ($0.name.value, $0) }, uniquingKeysWith: { first, _ in first })
        var done: Set<String> = []
        func visit(_ name: String, _ chain: [String]) -> [String]? {
            if let start = chain.firstIndex(of: name) { return Array(chain[start...]) + [name] }
            if done.contains(name) { return nil }
            for dependency in byName[name]?.dependsOn ?? [] where dependency.value != name {
                if let cycle = visit(dependency.value, chain + [name]) { return cycle }
            }
            done.insert(name)
            return nil
        }
        for container in system {
            if let cycle = visit(container.name.value, []), let first = byName[cycle[0]] {
                return (cycle, first.dependsOn.first?.location ?? first.location)
            }
        }
        return nil
    }

    /// Without the host's sources, apt has only the profile's, and every image build needs some:
    /// the boot files come from Debian packages (systemd-boot-efi and its libraries) even when no
    /// layer or kernel does.
    private func checkApt(in c: DecodeContext) {
        guard !apt.hostSources.value, apt.sources.isEmpty else { return }
        c.report(
            apt.hostSources.location, FieldPath().key("apt").key("host-sources"), value: "false",
            "without the host's sources apt needs others (package layers, the kernel package and the boot "
                + "files come from Debian packages): list apt.sources or set host-sources to true")
    }

    /// A key file listed twice in one profile file is a mistake; a base and its extension may both
    /// list it (lists append across `extends:`), and then the repeat is dropped like other set-like lists.
    private mutating func checkUpdateKeys(in c: DecodeContext) {
        guard var update else { return }
        let path = FieldPath().key("update").key("keys")
        var first: [String: (index: Int, file: String)] = [:]
        var kept: [Located<HostPath>] = []
        for (index, key) in update.keys.enumerated() {
            guard let earlier = first[key.value.absolute] else {
                first[key.value.absolute] = (index, key.location.file)
                kept.append(key)
                continue
            }
            if earlier.file == key.location.file {
                c.report(
                    key.location, path.index(index), value: key.value.written,
                    "the same file as update.keys[\(earlier.index)]; list each key once")
            }
        }
        update.keys = kept
        self.update = update
    }

    private func suggestion(_ word: String, _ candidates: [String]) -> String {
        EditDistance.closest(to: word, among: candidates).map { "; did you mean \(quoted($0))?" } ?? ""
    }
}

extension Profile.Layer {
    /// The same path declared twice in one layer is a mistake: the second would silently win.
    func checkDuplicates(_ path: FieldPath, in c: DecodeContext) {
        let declared: [(Located<String>, FieldPath)]
        switch source {
        case .files(let files): declared = files.enumerated().map { ($1.path, path.key("files").index($0).key("path")) }
        case .symlinks(let links):
            declared = links.enumerated().map { ($1.path, path.key("symlinks").index($0).key("path")) }
        case .directories(let dirs):
            declared = dirs.enumerated().map { ($1.path, path.key("directories").index($0).key("path")) }
        default: return
        }
        var seen: Set<String> = []
        for (entry, entryPath) in declared where !seen.insert(entry.value).inserted {
            c.report(entry.location, entryPath, value: entry.value, "this path is declared twice in the same layer")
        }
    }
}
