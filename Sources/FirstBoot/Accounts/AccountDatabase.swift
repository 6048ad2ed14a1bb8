// The account files of a root directory (/etc/passwd, group, shadow, gshadow, subuid, subgid),
// edited in memory and written back whole. Lines are kept as colon-separated fields so that
// comments and fields we do not touch survive unchanged. A file that does not exist is not created
// (shadow tools behave the same way: without /etc/shadow the hash lives in /etc/passwd).

/// One of the colon-separated account files.
struct AccountFile: Equatable {
    /// Path inside the root, e.g. "/etc/passwd".
    let path: String
    /// Whether the file existed when read (missing files are left missing).
    var exists: Bool
    var lines: [[String]]

    init(path: String, text: String?) {
        self.path = path
        exists = text != nil
        lines = (text ?? "").split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        }
        if lines.last == [""] { lines.removeLast() }
    }

    var text: String { lines.map { $0.joined(separator: ":") + "\n" }.joined() }

    /// The index of the entry named `name` (first field).
    func index(of name: String) -> Int? {
        lines.firstIndex { $0.first == name && $0.count > 1 }
    }

    func entry(_ name: String) -> [String]? { index(of: name).map { lines[$0] } }

    /// Field `field` of entry `name`, or nil.
    func field(_ name: String, _ field: Int) -> String? {
        guard let entry = entry(name), entry.count > field else { return nil }
        return entry[field]
    }

    mutating func set(_ name: String, _ field: Int, _ value: String) {
        guard let index = index(of: name) else { return }
        while lines[index].count <= field { lines[index].append("") }
        lines[index][field] = value
    }

    mutating func append(_ fields: [String]) { if exists { lines.append(fields) } }

    mutating func remove(_ name: String) { lines.removeAll { $0.first == name && $0.count > 1 } }

    /// Numeric values of field `field` across entries (uids, gids).
    func numbers(_ field: Int) -> Set<Int> {
        Set(lines.compactMap { $0.count > field ? Int($0[field]) : nil })
    }
}

/// `login.defs` and `/etc/default/useradd` settings that decide how accounts are created.
struct AccountDefaults {
    var values: [String: String] = [:]
    var useradd: [String: String] = [:]

    init(loginDefs: String?, useraddDefaults: String?) {
        for line in (loginDefs ?? "").split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let key = fields.first, !key.hasPrefix("#"), fields.count >= 2 else { continue }
            values[String(key)] = String(fields[1])
        }
        for line in (useraddDefaults ?? "").split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { useradd[String(parts[0]).trimmingSpaces] = String(parts[1]).trimmingSpaces }
        }
    }

    func int(_ key: String, _ fallback: Int) -> Int {
        guard let text = values[key] else { return fallback }
        if text.hasPrefix("0") && text.count > 1, let octal = Int(text.dropFirst(), radix: 8) { return octal }
        return Int(text) ?? fallback
    }

    func flag(_ key: String) -> Bool { values[key]?.lowercased() == "yes" }
}

/// All account files of a root, loaded for editing.
struct AccountDatabase {
    var passwd: AccountFile
    var group: AccountFile
    var shadow: AccountFile
    var gshadow: AccountFile
    var subuid: AccountFile
    var subgid: AccountFile
    let defaults: AccountDefaults
    /// Days since 1970-01-01, for the "last changed" field of new shadow entries.
    let today: Int

    init(root: RootDirectory, today: Int) throws(FirstBootError) {
        func load(_ path: String) throws(FirstBootError) -> AccountFile {
            AccountFile(path: path, text: try root.read(path).map { String(decoding: $0, as: UTF8.self) })
        }
        passwd = try load("/etc/passwd")
        group = try load("/etc/group")
        shadow = try load("/etc/shadow")
        gshadow = try load("/etc/gshadow")
        subuid = try load("/etc/subuid")
        subgid = try load("/etc/subgid")
        defaults = AccountDefaults(
            loginDefs: try root.read("/etc/login.defs").map { String(decoding: $0, as: UTF8.self) },
            useraddDefaults: try root.read("/etc/default/useradd").map { String(decoding: $0, as: UTF8.self) })
        self.today = today
        // useradd refuses to run without these; create them empty so a bare root works.
        passwd.exists = true
        group.exists = true
    }

    var files: [AccountFile] { [passwd, group, shadow, gshadow, subuid, subgid] }

    func uid(of user: String) -> Int? { passwd.field(user, 2).flatMap { Int($0) } }
    func gid(ofGroup name: String) -> Int? { group.field(name, 2).flatMap { Int($0) } }
    func home(of user: String) -> String? { passwd.field(user, 5) }
    func primaryGid(of user: String) -> Int? { passwd.field(user, 3).flatMap { Int($0) } }

    /// A group given by name or number, as `useradd --gid` accepts it.
    func resolveGroup(_ text: String) -> Int? {
        if let gid = gid(ofGroup: text) { return gid }
        if let number = Int(text), group.lines.contains(where: { $0.count > 2 && Int($0[2]) == number }) {
            return number
        }
        return nil
    }

    /// The next free id like shadow's allocator: above the highest used id for normal accounts,
    /// downward from the top of the system range for system accounts.
    func freeID(used: Set<Int>, system: Bool, kind: String, preferred: Int? = nil) -> Int? {
        let prefix = kind == "uid" ? "UID" : "GID"
        if let preferred, !used.contains(preferred) { return preferred }
        if system {
            let low = defaults.int("SYS_\(prefix)_MIN", 101)
            let high = defaults.int("SYS_\(prefix)_MAX", defaults.int("\(prefix)_MIN", 1000) - 1)
            return stride(from: high, through: low, by: -1).first { !used.contains($0) }
        }
        let low = defaults.int("\(prefix)_MIN", 1000)
        let high = defaults.int("\(prefix)_MAX", 60000)
        let inRange = used.filter { $0 >= low && $0 <= high }
        if let highest = inRange.max(), highest < high { return highest + 1 }
        if inRange.isEmpty { return low }
        return (low...high).first { !used.contains($0) }
    }

    /// Adds `user` to the member lists of `groups` (group and gshadow), or sets its exact list.
    mutating func setSupplementaryGroups(_ user: String, _ groups: [String], replacing: Bool) {
        for index in group.lines.indices where group.lines[index].count >= 4 {
            let name = group.lines[index][0]
            var members = group.lines[index][3].split(separator: ",").map(String.init)
            let wanted = groups.contains(name)
            if wanted && !members.contains(user) {
                members.append(user)
            } else if replacing && !wanted {
                members.removeAll { $0 == user }
            } else {
                continue
            }
            group.lines[index][3] = members.joined(separator: ",")
            if let shadowIndex = gshadow.index(of: name), gshadow.lines[shadowIndex].count >= 4 {
                gshadow.lines[shadowIndex][3] = members.joined(separator: ",")
            }
        }
    }

    /// The next free subordinate id range of `SUB_*_COUNT` ids.
    func freeSubordinateRange(_ file: AccountFile, kind: String) -> Int {
        let low = defaults.int("SUB_\(kind)_MIN", 100_000)
        let count = defaults.int("SUB_\(kind)_COUNT", 65536)
        let ranges = file.lines.compactMap { line -> (Int, Int)? in
            guard line.count >= 3, let start = Int(line[1]), let size = Int(line[2]) else { return nil }
            return (start, start + size)
        }
        var start = low
        while let overlap = ranges.first(where: { start < $0.1 && start + count > $0.0 }) { start = overlap.1 }
        return start
    }
}
