// The `passwd` section applied to an `AccountDatabase` the way Ignition does it with shadow's
// tools (`groupadd`, `useradd`, `usermod`, `userdel --remove`, `groupdel`), computed in memory so
// that every failure is found before anything is written.

/// Filesystem work that follows from account changes.
struct AccountEffects {
    struct Home {
        var path: String
        var uid: Int
        var gid: Int
        var mode: UInt32
        var skeleton: String
    }

    struct Keys {
        var user: String
        var home: String
        var uid: Int
        var gid: Int
        var keys: [String]
    }

    var homesToCreate: [Home] = []
    var pathsToRemove: [String] = []
    var keys: [Keys] = []
}

extension AccountDatabase {
    private func failure(_ operation: String, _ name: String, _ message: String) -> FirstBootError {
        FirstBootError(operation, TextRules.shown(name), message)
    }

    /// Refuses values the account files cannot hold (a ":" or newline would start another field or
    /// account). The validator reports the same problems; this holds for every config that reaches
    /// apply, merged or fetched ones included.
    private func requireWritable(_ problems: [(key: String, problem: String)], _ operation: String, _ name: String)
        throws(FirstBootError)
    {
        guard let first = problems.first else { return }
        throw failure(operation, name, "\(first.key): \(first.problem)")
    }

    private func requireName(_ name: String, kind: String, _ operation: String) throws(FirstBootError) {
        if let problem = TextRules.accountNameProblem(name, kind: kind) { throw failure(operation, name, problem) }
    }

    /// `groupadd`: fails when the group exists, as Ignition does.
    mutating func addGroup(_ config: PasswdGroup) throws(FirstBootError) {
        try requireWritable(AccountRules.groupProblems(config), "create group", config.name)
        guard group.index(of: config.name) == nil else {
            throw failure(
                "create group", config.name,
                "group \"\(config.name)\" already exists in the root; remove it from the config")
        }
        let used = group.numbers(2)
        let gid: Int
        if let wanted = config.gid {
            guard !used.contains(wanted) else {
                throw failure("create group", config.name, "GID \(wanted) is already used")
            }
            gid = wanted
        } else {
            guard let free = freeID(used: used, system: config.system == true, kind: "gid") else {
                throw failure("create group", config.name, "no free GID left")
            }
            gid = free
        }
        let password = (config.passwordHash ?? "").isEmpty ? "*" : config.passwordHash ?? "*"
        group.append([config.name, gshadow.exists ? "x" : password, String(gid), ""])
        gshadow.append([config.name, password, "", ""])
    }

    /// `groupdel`: nothing to do when the group does not exist; refuses a user's primary group.
    mutating func deleteGroup(_ name: String) throws(FirstBootError) {
        try requireName(name, kind: "group", "delete group")
        guard let gid = gid(ofGroup: name) else { return }
        if let user = passwd.lines.first(where: { $0.count > 3 && Int($0[3]) == gid }) {
            throw failure("delete group", name, "cannot remove the primary group of user \"\(user[0])\"")
        }
        group.remove(name)
        gshadow.remove(name)
    }

    /// `useradd` for a new account, `usermod` for an existing one; SSH keys are collected in `effects`.
    mutating func ensureUser(_ config: PasswdUser, effects: inout AccountEffects) throws(FirstBootError) {
        let operation = passwd.index(of: config.name) == nil ? "create user" : "modify user"
        try requireWritable(AccountRules.userProblems(config), operation, config.name)
        for group in config.groups { try requireName(group, kind: "group", operation) }
        if passwd.index(of: config.name) != nil {
            try modifyUser(config)
        } else {
            try addUser(config, effects: &effects)
        }
        guard !config.sshAuthorizedKeys.isEmpty, let home = home(of: config.name), let uid = uid(of: config.name),
            let gid = primaryGid(of: config.name)
        else { return }
        effects.keys.append(
            AccountEffects.Keys(user: config.name, home: home, uid: uid, gid: gid, keys: config.sshAuthorizedKeys))
    }

    private func password(_ config: PasswdUser) -> String {
        (config.passwordHash ?? "").isEmpty ? "*" : config.passwordHash ?? "*"
    }

    private func requireGroups(_ names: [String], for user: String) throws(FirstBootError) {
        for name in names where group.index(of: name) == nil {
            throw failure("create user", user, "group \"\(name)\" does not exist; add it to passwd.groups or the root")
        }
    }

    private mutating func addUser(_ config: PasswdUser, effects: inout AccountEffects) throws(FirstBootError) {
        let name = config.name
        let system = config.system == true
        let usedUIDs = passwd.numbers(2)
        let uid: Int
        if let wanted = config.uid {
            guard !usedUIDs.contains(wanted) else { throw failure("create user", name, "UID \(wanted) is not unique") }
            uid = wanted
        } else {
            guard let free = freeID(used: usedUIDs, system: system, kind: "uid") else {
                throw failure("create user", name, "no free UID left")
            }
            uid = free
        }
        try requireGroups(config.groups, for: name)
        var userGroup: Int?
        let gid: Int
        if let primary = config.primaryGroup {
            guard let resolved = resolveGroup(primary) else {
                throw failure("create user", name, "group \"\(primary)\" does not exist")
            }
            gid = resolved
        } else if defaults.flag("USERGROUPS_ENAB") && config.noUserGroup != true {
            guard group.index(of: name) == nil else {
                throw failure(
                    "create user", name,
                    "group \"\(name)\" exists; set primaryGroup to use it, or noUserGroup")
            }
            guard let free = freeID(used: group.numbers(2), system: system, kind: "gid", preferred: uid) else {
                throw failure("create user", name, "no free GID left")
            }
            gid = free
            userGroup = free
        } else {
            gid = Int(useradd("GROUP") ?? "") ?? resolveGroup(useradd("GROUP") ?? "") ?? 100
        }
        // An empty home directory or shell is not set (Ignition passes neither to useradd then).
        let home = config.homeDir.flatMap { $0.isEmpty ? nil : $0 } ?? PathSyntax.join(useradd("HOME") ?? "/home", name)
        let shell = config.shell.flatMap { $0.isEmpty ? nil : $0 } ?? useradd("SHELL") ?? "/bin/bash"
        let password = password(config)
        passwd.append([name, shadow.exists ? "x" : password, String(uid), String(gid), config.gecos ?? "", home, shell])
        let aging: [String] =
            system
            ? ["", "", ""]
            : ["PASS_MIN_DAYS", "PASS_MAX_DAYS", "PASS_WARN_AGE"].map { defaults.values[$0] ?? "" }
        let inactive = useradd("INACTIVE").flatMap { $0 == "-1" ? nil : $0 } ?? ""
        shadow.append([name, password, String(today)] + aging + [system ? "" : inactive, "", ""])
        if let userGroup {
            group.append([name, gshadow.exists ? "x" : "!", String(userGroup), ""])
            gshadow.append([name, "!", "", ""])
        }
        setSupplementaryGroups(name, config.groups, replacing: false)
        if !system {
            for kind in ["UID", "GID"] {
                var file = kind == "UID" ? subuid : subgid
                guard file.exists, file.index(of: name) == nil, defaults.int("SUB_\(kind)_COUNT", 65536) > 0 else {
                    continue
                }
                let start = freeSubordinateRange(file, kind: kind)
                file.append([name, String(start), String(defaults.int("SUB_\(kind)_COUNT", 65536))])
                if kind == "UID" { subuid = file } else { subgid = file }
            }
        }
        if config.noCreateHome != true {
            let umask = UInt32(defaults.int("UMASK", 0o022))
            let mode =
                defaults.values["HOME_MODE"].map { _ in UInt32(defaults.int("HOME_MODE", 0o755)) } ?? (0o777 & ~umask)
            effects.homesToCreate.append(
                AccountEffects.Home(
                    path: home, uid: uid, gid: gid, mode: mode, skeleton: useradd("SKEL") ?? "/etc/skel"))
        }
    }

    private func useradd(_ key: String) -> String? { defaults.useradd[key] }

    private mutating func modifyUser(_ config: PasswdUser) throws(FirstBootError) {
        let name = config.name
        if config.passwordHash != nil {
            if shadow.exists && shadow.index(of: name) != nil {
                shadow.set(name, 1, password(config))
            } else {
                passwd.set(name, 1, password(config))
            }
        }
        if let uid = config.uid, uid != self.uid(of: name) {
            guard !passwd.numbers(2).contains(uid) else {
                throw failure("modify user", name, "UID \(uid) is not unique")
            }
            passwd.set(name, 2, String(uid))
        }
        if let gecos = config.gecos { passwd.set(name, 4, gecos) }
        if let home = config.homeDir, !home.isEmpty { passwd.set(name, 5, home) }
        if let primary = config.primaryGroup {
            guard let gid = resolveGroup(primary) else {
                throw failure("modify user", name, "group \"\(primary)\" does not exist")
            }
            passwd.set(name, 3, String(gid))
        }
        if !config.groups.isEmpty {
            try requireGroups(config.groups, for: name)
            setSupplementaryGroups(name, config.groups, replacing: true)
        }
        if let shell = config.shell, !shell.isEmpty { passwd.set(name, 6, shell) }
    }

    /// `userdel --remove`: the account, its memberships, its own group and its home directory.
    mutating func deleteUser(_ name: String, effects: inout AccountEffects) throws(FirstBootError) {
        try requireName(name, kind: "user", "delete user")
        guard let index = passwd.index(of: name) else { return }
        let entry = passwd.lines[index]
        passwd.remove(name)
        shadow.remove(name)
        subuid.remove(name)
        subgid.remove(name)
        setSupplementaryGroups(name, [], replacing: true)
        if defaults.flag("USERGROUPS_ENAB"), entry.count > 3, let gid = Int(entry[3]), gid == self.gid(ofGroup: name),
            (group.field(name, 3) ?? "").isEmpty,
            !passwd.lines.contains(where: { $0.count > 3 && Int($0[3]) == gid })
        {
            group.remove(name)
            gshadow.remove(name)
        }
        if entry.count > 5, !entry[5].isEmpty, entry[5] != "/" {
            effects.pathsToRemove.append(entry[5])
        }
        effects.pathsToRemove.append("/var/mail/" + name)
    }
}
