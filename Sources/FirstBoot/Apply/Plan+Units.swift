// `systemd.units`: unit files and drop-ins under /etc/systemd/system, masks as links to /dev/null,
// and enablement done twice over: the preset file Ignition writes (20-ignition.preset, for a later
// `systemctl preset`) and the symlinks `systemctl enable` would make from the [Install] section,
// so that units are active on the very first boot without a preset run.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

extension Plan {
    static let unitDirectory = "/etc/systemd/system"
    static let presetPath = "/etc/systemd/system-preset/20-ignition.preset"
    /// Where systemctl looks for unit files, in its order (Debian's list).
    static let unitSearchPaths = [
        "/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system", "/lib/systemd/system",
        "/usr/lib/systemd/system",
    ]

    /// A unit name split into template and instance: `getty@tty1.service` → (`getty@.service`, `tty1`).
    static func template(of name: String) -> (template: String, instance: String?)? {
        guard let at = name.firstIndex(of: "@"), let dot = name.lastIndex(of: "."), at < dot else { return nil }
        let instance = String(name[name.index(after: at)..<dot])
        return (String(name[...at]) + String(name[dot...]), instance.isEmpty ? nil : instance)
    }

    /// `getty@.service` with instance `tty1` → `getty@tty1.service`.
    static func instanceName(_ template: String, _ instance: String) -> String {
        guard let at = template.firstIndex(of: "@"), let dot = template.lastIndex(of: ".") else { return template }
        return String(template[...at]) + instance + String(template[dot...])
    }

    /// The [Install] options of a unit from the config or the root, and the path systemctl would
    /// link to; nil when there is no unit file.
    func installInfo(_ name: String) throws(FirstBootError) -> (path: String, options: [UnitOption])? {
        var candidates = [name]
        if let (template, instance) = Plan.template(of: name), instance != nil { candidates.append(template) }
        for candidate in candidates {
            if let unit = config.systemd.units.first(where: { $0.name == candidate }), let contents = unit.contents,
                !contents.isEmpty
            {
                let path = Plan.unitDirectory + "/" + candidate
                return (path, try Self.installOptions(contents, path: path))
            }
            for directory in Plan.unitSearchPaths {
                let path = directory + "/" + candidate
                guard let bytes = try root.read(path) else { continue }
                return (path, try Self.installOptions(String(decoding: bytes, as: UTF8.self), path: path))
            }
        }
        return nil
    }

    /// The unit's [Install] options. A unit that does not parse is an error: enabling it by what
    /// could be read of it would enable it differently from what systemd will make of it.
    private static func installOptions(_ contents: String, path: String) throws(FirstBootError) -> [UnitOption] {
        switch UnitFile.parse(contents) {
        case .success(let options): return options.filter { $0.section == "Install" }
        case .failure(let problem):
            throw FirstBootError("enable", path, "cannot read its [Install] section: \(problem)")
        }
    }

    func checkUnits(report: inout ApplyReport) throws(FirstBootError) {
        try checkUnitNames()
        try checkEnablement()
        for unit in config.systemd.units where unit.enabled == true && unit.mask != true {
            guard let info = try installInfo(unit.name) else {
                report.warnings.append("unit \(unit.name) is enabled but has no unit file in the config or the root")
                continue
            }
            if info.options.isEmpty {
                report.warnings.append("unit \(unit.name) is enabled but \(info.path) has no [Install] section")
            }
        }
    }

    /// Unit and drop-in names become file names in /etc/systemd/system: a name with a "/" (or "..")
    /// would put the file elsewhere, so they are refused here too, not only by the validator.
    private func checkUnitNames() throws(FirstBootError) {
        for (index, unit) in config.systemd.units.enumerated() {
            let subject = "$.systemd.units.\(index) (\(TextRules.shown(unit.name)))"
            if let problem = TextRules.unitFileNameProblem(unit.name, kind: "unit") {
                throw FirstBootError("write unit", subject, problem)
            }
            if !Validator.unitExtensions.contains(PathSyntax.ext(unit.name)) {
                throw FirstBootError(
                    "write unit", subject,
                    "unit name \(TextRules.quoted(unit.name)) has no unit type suffix such as \".service\" or "
                        + "\".timer\"")
            }
            for (dropinIndex, dropin) in unit.dropins.enumerated() {
                if let problem = TextRules.unitFileNameProblem(dropin.name, kind: "drop-in") {
                    throw FirstBootError("write drop-in", "\(subject).dropins.\(dropinIndex)", problem)
                }
            }
        }
    }

    func writeUnits(report: inout ApplyReport) throws(FirstBootError) {
        for unit in config.systemd.units {
            let unitPath = Plan.unitDirectory + "/" + unit.name
            if let contents = unit.contents, !contents.isEmpty {
                try writeText(unitPath, contents, report: &report)
            }
            for dropin in unit.dropins {
                guard let contents = dropin.contents, !contents.isEmpty else { continue }
                try writeText(unitPath + ".d/" + dropin.name, contents, report: &report)
            }
            if let mask = unit.mask {
                let hostPath = try root.resolve(unitPath)
                if mask {
                    try root.removeAll(hostPath, path: unitPath)
                    try root.makeParents(of: unitPath)
                    try makeSymlink("/dev/null", at: unitPath)
                    report.written.append(unitPath)
                } else if root.lstatKind(hostPath) == .symlink(target: "/dev/null") {
                    try root.removeAll(hostPath, path: unitPath)
                    report.written.append(unitPath)
                }
            }
        }
        try writePresets(report: &report)
        for unit in config.systemd.units where unit.enabled != nil && unit.mask != true {
            var visited: Set<String> = []
            try setEnabled(unit.name, unit.enabled == true, visited: &visited, report: &report)
        }
    }

    private func writeText(_ path: String, _ text: String, report: inout ApplyReport) throws(FirstBootError) {
        try root.makeParents(of: path)
        let hostPath = try root.resolve(path)
        if root.lstatKind(hostPath) == .directory { try root.removeAll(hostPath, path: path) }
        try root.writeAtomically(hostPath, path: path, bytes: Array(text.utf8), mode: 0o644, uid: 0, gid: 0)
        report.written.append(path)
    }

    func makeSymlink(_ target: String, at path: String) throws(FirstBootError) {
        let hostPath = try root.resolve(path)
        guard symlink(target, hostPath) == 0 else { throw root.posixError("create link", path) }
    }

    /// Appends Ignition's preset lines: instances of one template share a line.
    private func writePresets(report: inout ApplyReport) throws(FirstBootError) {
        var lines: [String] = []
        var templateLines: [String: Int] = [:]
        for unit in config.systemd.units {
            guard let enabled = unit.enabled else { continue }
            let verb = enabled ? "enable" : "disable"
            if let (template, instance) = Plan.template(of: unit.name), let instance {
                let key = verb + " " + template
                if let line = templateLines[key] {
                    lines[line] += " " + instance
                } else {
                    templateLines[key] = lines.count
                    lines.append(key + " " + instance)
                }
            } else {
                lines.append(verb + " " + unit.name)
            }
        }
        guard !lines.isEmpty else { return }
        let existing = try root.read(Plan.presetPath).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let text = existing + lines.map { $0 + "\n" }.joined()
        try writeText(Plan.presetPath, text, report: &report)
    }
}
