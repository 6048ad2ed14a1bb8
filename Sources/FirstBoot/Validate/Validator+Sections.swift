// Rules of the `systemd`, `passwd` and `kernelArguments` sections, and checks across sections.

extension Validator {
    static let unitExtensions: Set<String> = [
        ".service", ".socket", ".device", ".mount", ".automount", ".swap", ".target", ".path", ".timer",
        ".snapshot", ".slice", ".scope",
    ]

    mutating func systemd(_ systemd: Systemd) {
        let base = JSONPath.root.appending("systemd", "units")
        for (index, unit) in systemd.units.enumerated() {
            let path = base.appending(index)
            if !Validator.unitExtensions.contains(PathSyntax.ext(unit.name)) {
                error(path.appending("name"), "invalid systemd unit extension")
            }
            var options: [UnitOption] = []
            if let contents = unit.contents {
                switch UnitFile.parse(contents) {
                case .success(let parsed): options = parsed
                case .failure(let failure): error(path.appending("contents"), "invalid unit content: \(failure)")
                }
            }
            if unit.enabled == true, !(unit.contents ?? "").isEmpty,
                !options.contains(where: { $0.section == "Install" })
            {
                warning(
                    path.appending("contents"),
                    "unit \"\(unit.name)\" is enabled, but has no install section so enable does nothing")
            }
            for (dropinIndex, dropin) in unit.dropins.enumerated() {
                let dropinPath = path.appending("dropins", dropinIndex)
                if let contents = dropin.contents, case .failure(let failure) = UnitFile.parse(contents) {
                    error(dropinPath.appending("contents"), "invalid unit content: \(failure)")
                }
                if PathSyntax.ext(dropin.name) != ".conf" {
                    error(dropinPath.appending("name"), "invalid systemd drop-in extension")
                }
            }
            duplicates([(path.appending("dropins"), unit.dropins.map(\.name))])
        }
        duplicates([(base, systemd.units.map(\.name))])
    }

    mutating func passwd(_ passwd: Passwd) {
        let base = JSONPath.root.appending("passwd")
        for (index, user) in passwd.users.enumerated() {
            let path = base.appending("users", index)
            duplicates([(path.appending("sshAuthorizedKeys"), user.sshAuthorizedKeys)])
            duplicates([(path.appending("groups"), user.groups)])
        }
        duplicates([(base.appending("users"), passwd.users.map(\.name))])
        duplicates([(base.appending("groups"), passwd.groups.map(\.name))])
    }

    mutating func kernelArguments(_ arguments: KernelArguments) {
        let base = JSONPath.root.appending("kernelArguments")
        duplicates([
            (base.appending("shouldExist"), arguments.shouldExist),
            (base.appending("shouldNotExist"), arguments.shouldNotExist),
        ])
    }

    /// Spec 3.4.0+: a file, directory or link may not also be written by a unit or drop-in.
    mutating func systemdPathConflicts(_ config: Config) {
        var unitPaths: Set<String> = []
        for unit in config.systemd.units {
            if !(unit.contents ?? "").isEmpty { unitPaths.insert("/etc/systemd/system/" + unit.name) }
            for dropin in unit.dropins where !(dropin.contents ?? "").isEmpty {
                unitPaths.insert("/etc/systemd/system/" + unit.name + ".d/" + dropin.name)
            }
        }
        let storage = JSONPath.root.appending("storage")
        let lists: [(String, [String])] = [
            ("files", config.storage.files.map(\.path)),
            ("directories", config.storage.directories.map(\.path)),
            ("links", config.storage.links.map(\.path)),
        ]
        for (key, paths) in lists {
            for (index, path) in paths.enumerated() where unitPaths.contains(path) {
                error(storage.appending(key, index, "path"), "path conflicts with systemd unit or dropin")
            }
        }
    }
}
