// What `systemctl enable` and `disable` do to /etc/systemd/system for a unit: links named by the
// [Install] section (`WantedBy`, `RequiredBy`, `UpheldBy`, `Alias`), the units of `Also=`, and for
// templates the instance (`DefaultInstance`). Those values become path components, so like systemctl
// we refuse values that are not unit names, before anything is written.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

extension Plan {
    /// The links that enable one unit.
    struct Enablement {
        /// The unit file the links point at.
        var unitPath: String
        var links: [String]
        /// Units named by `Also=`, enabled and disabled together with this one.
        var also: [String]
        /// A template without an instance and without `DefaultInstance`: nothing to link.
        var missingInstance: Bool
    }

    /// The links `systemctl enable NAME` makes; nil when there is no unit file.
    func enablement(_ name: String) throws(FirstBootError) -> Enablement? {
        guard let info = try installInfo(name) else { return nil }
        func values(_ key: String) throws(FirstBootError) -> [String] {
            let words = info.options.filter { $0.name == key }.flatMap {
                $0.value.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            }
            for word in words {
                if let problem = TextRules.unitFileNameProblem(word, kind: "unit") {
                    throw FirstBootError(
                        "enable unit", name, "\(key)= in \(info.path): \(problem); fix the unit's [Install] section")
                }
            }
            return words
        }
        var result = Enablement(unitPath: info.path, links: [], also: try values("Also"), missingInstance: false)
        var linkName = name
        if let (template, instance) = Plan.template(of: name) {
            var chosen = instance
            if chosen == nil { chosen = try values("DefaultInstance").last }
            guard let chosen else {
                result.missingInstance = true
                return result
            }
            linkName = Plan.instanceName(template, chosen)
        }
        for (key, suffix) in [("WantedBy", ".wants"), ("RequiredBy", ".requires"), ("UpheldBy", ".upholds")] {
            for target in try values(key) {
                result.links.append(Plan.unitDirectory + "/" + target + suffix + "/" + linkName)
            }
        }
        if Plan.template(of: name) == nil {
            for alias in try values("Alias") { result.links.append(Plan.unitDirectory + "/" + alias) }
        }
        return result
    }

    /// Checks the [Install] sections of every unit the config enables or disables, and of the units
    /// they name with `Also=`.
    func checkEnablement() throws(FirstBootError) {
        var visited: Set<String> = []
        var pending = config.systemd.units.filter { $0.enabled != nil && $0.mask != true }.map(\.name)
        while let name = pending.popLast() {
            guard visited.insert(name).inserted, let enablement = try enablement(name) else { continue }
            pending += enablement.also
        }
    }

    /// Enables or disables one unit (and its `Also=`) the way systemctl does.
    func setEnabled(_ name: String, _ enabled: Bool, visited: inout Set<String>, report: inout ApplyReport)
        throws(FirstBootError)
    {
        guard visited.insert(name).inserted, let enablement = try enablement(name) else { return }
        if enablement.missingInstance {
            report.warnings.append("template unit \(name) has no instance and no DefaultInstance; nothing to enable")
            return
        }
        for link in enablement.links {
            let hostPath = try root.resolve(link)
            if enabled {
                if root.lstatKind(hostPath) == .symlink(target: enablement.unitPath) { continue }
                try root.removeAll(hostPath, path: link)
                try root.makeParents(of: link)
                try makeSymlink(enablement.unitPath, at: link)
                report.written.append(link)
            } else if case .symlink = root.lstatKind(hostPath) {
                try root.removeAll(hostPath, path: link)
                // Like systemctl, drop a .wants/.requires directory that is now empty.
                let parent = PathSyntax.dir(hostPath)
                if parent.hasSuffix(".wants") || parent.hasSuffix(".requires") || parent.hasSuffix(".upholds") {
                    _ = rmdir(parent)
                }
                report.written.append(link)
            }
        }
        for also in enablement.also { try setEnabled(also, enabled, visited: &visited, report: &report) }
    }
}
