// slipway's own rules on top of Ignition's (docs/firstboot.md, "Stricter than Ignition"): no NUL in
// any path the config names, account names and fields that /etc/passwd, shadow and group can hold,
// unit and drop-in names that are plain file names, and kernel arguments without control characters. Ignition accepts these values and then
// writes somewhere else, or something else, than the config says.

extension Validator {
    mutating func stricterRules(_ config: Config) {
        storagePaths(config.storage)
        unitNames(config.systemd)
        accounts(config.passwd)
        let arguments = JSONPath.root.appending("kernelArguments")
        for (key, list) in [
            ("shouldExist", config.kernelArguments.shouldExist),
            ("shouldNotExist", config.kernelArguments.shouldNotExist),
        ] {
            for (index, argument) in list.enumerated() {
                error(arguments.appending(key, index), TextRules.kernelArgumentProblem(argument))
            }
        }
    }

    private mutating func storagePaths(_ storage: Storage) {
        let base = JSONPath.root.appending("storage")
        func check(_ value: String?, _ path: JSONPath, what: String = "path") {
            guard let value else { return }
            error(path, TextRules.nulProblem(value, what: what))
        }
        for (index, file) in storage.files.enumerated() {
            check(file.path, base.appending("files", index, "path"))
        }
        for (index, directory) in storage.directories.enumerated() {
            check(directory.path, base.appending("directories", index, "path"))
        }
        for (index, link) in storage.links.enumerated() {
            check(link.path, base.appending("links", index, "path"))
            check(link.target, base.appending("links", index, "target"), what: "link target")
        }
        for (index, disk) in storage.disks.enumerated() {
            check(disk.device, base.appending("disks", index, "device"), what: "device")
        }
        for (index, raid) in storage.raid.enumerated() {
            for (deviceIndex, device) in raid.devices.enumerated() {
                check(device, base.appending("raid", index, "devices", deviceIndex), what: "device")
            }
        }
        for (index, filesystem) in storage.filesystems.enumerated() {
            check(filesystem.device, base.appending("filesystems", index, "device"), what: "device")
            check(filesystem.path, base.appending("filesystems", index, "path"))
        }
        for (index, luks) in storage.luks.enumerated() {
            check(luks.device, base.appending("luks", index, "device"), what: "device")
        }
    }

    private mutating func unitNames(_ systemd: Systemd) {
        let base = JSONPath.root.appending("systemd", "units")
        for (index, unit) in systemd.units.enumerated() {
            error(base.appending(index, "name"), TextRules.unitFileNameProblem(unit.name, kind: "unit"))
            for (dropinIndex, dropin) in unit.dropins.enumerated() {
                error(
                    base.appending(index, "dropins", dropinIndex, "name"),
                    TextRules.unitFileNameProblem(dropin.name, kind: "drop-in"))
            }
        }
    }

    private mutating func accounts(_ passwd: Passwd) {
        let base = JSONPath.root.appending("passwd")
        for (index, user) in passwd.users.enumerated() {
            let path = base.appending("users", index)
            for (key, problem) in AccountRules.userProblems(user) { error(path.appending(key), problem) }
            for (groupIndex, group) in user.groups.enumerated() {
                error(path.appending("groups", groupIndex), TextRules.accountNameProblem(group, kind: "group"))
            }
        }
        for (index, group) in passwd.groups.enumerated() {
            let path = base.appending("groups", index)
            for (key, problem) in AccountRules.groupProblems(group) { error(path.appending(key), problem) }
        }
    }
}

/// The account rules of `TextRules` applied to the fields of a config's users and groups, for the
/// validator and for apply.
enum AccountRules {
    /// Problems with the fields of `user` that land in the account files, by JSON key.
    static func userProblems(_ user: PasswdUser) -> [(key: String, problem: String)] {
        var problems: [(String, String?)] = [("name", TextRules.accountNameProblem(user.name, kind: "user"))]
        if let gecos = user.gecos { problems.append(("gecos", TextRules.accountFieldProblem(gecos, field: "gecos"))) }
        // An empty home directory or shell means "not set", as in Ignition.
        if let home = user.homeDir, !home.isEmpty {
            problems.append(
                ("homeDir", TextRules.accountPathProblem(home, field: "homeDir", example: "/home/\(user.name)")))
        }
        if let shell = user.shell, !shell.isEmpty {
            problems.append(("shell", TextRules.accountPathProblem(shell, field: "shell", example: "/bin/bash")))
        }
        if let hash = user.passwordHash {
            problems.append(
                ("passwordHash", TextRules.accountFieldProblem(hash, field: "passwordHash", secret: true)))
        }
        if let primary = user.primaryGroup, !primary.isEmpty {
            problems.append(("primaryGroup", TextRules.accountNameProblem(primary, kind: "group")))
        }
        return problems.compactMap { key, problem in problem.map { (key, $0) } }
    }

    /// Problems with the fields of `group` that land in the account files, by JSON key.
    static func groupProblems(_ group: PasswdGroup) -> [(key: String, problem: String)] {
        var problems: [(String, String?)] = [("name", TextRules.accountNameProblem(group.name, kind: "group"))]
        if let hash = group.passwordHash {
            problems.append(
                ("passwordHash", TextRules.accountFieldProblem(hash, field: "passwordHash", secret: true)))
        }
        return problems.compactMap { key, problem in problem.map { (key, $0) } }
    }
}
