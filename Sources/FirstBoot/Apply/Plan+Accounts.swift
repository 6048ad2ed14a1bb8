// Writing the account files, home directories and SSH keys planned by `planAccounts`.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

extension Plan {
    func writeAccounts(report: inout ApplyReport) throws(FirstBootError) {
        for file in accounts.files where file.exists {
            let hostPath = try root.resolve(file.path, followLast: true)
            let current = try root.read(file.path).map { String(decoding: $0, as: UTF8.self) }
            guard current != file.text, current != nil || !file.text.isEmpty else { continue }
            let status = root.status(hostPath)
            try root.makeParents(of: file.path)
            try root.writeAtomically(
                hostPath, path: file.path, bytes: Array(file.text.utf8), mode: status?.mode ?? 0o644,
                uid: status?.uid ?? 0,
                gid: status?.gid ?? 0)
            report.written.append(file.path)
        }
        for path in accountEffects.pathsToRemove {
            let hostPath = try root.resolve(path)
            if root.status(hostPath) != nil {
                try root.removeAll(hostPath, path: path)
                report.written.append(path)
            }
        }
        for home in accountEffects.homesToCreate {
            let hostPath = try root.resolve(home.path, followLast: true)
            // useradd leaves an existing home alone (and does not copy the skeleton into it).
            guard root.status(hostPath) == nil else { continue }
            try root.makeDirectories(home.path, mode: home.mode, uid: UInt32(home.uid), gid: UInt32(home.gid))
            try copySkeleton(home, to: try root.resolve(home.path, followLast: true))
            report.written.append(home.path)
        }
        for entry in accountEffects.keys { try writeKeys(entry, report: &report) }
    }

    /// Copies the root's skeleton directory into a new home, owned by the user.
    private func copySkeleton(_ home: AccountEffects.Home, to homeHost: String) throws(FirstBootError) {
        let skeleton = try root.resolve(home.skeleton, followLast: true)
        guard root.status(skeleton)?.kind == .directory else { return }
        try copyTree(from: skeleton, to: homeHost, path: home.path, uid: UInt32(home.uid), gid: UInt32(home.gid))
    }

    private func copyTree(from source: String, to destination: String, path: String, uid: UInt32, gid: UInt32)
        throws(FirstBootError)
    {
        for name in root.list(source) {
            let from = source + "/" + name
            let to = destination + "/" + name
            let entryPath = path + "/" + name
            guard let status = root.status(from) else { continue }
            switch status.kind {
            case .directory:
                guard mkdir(to, 0o700) == 0 else { throw root.posixError("copy skeleton to", entryPath) }
                try root.setOwnerAndMode(to, path: entryPath, uid: uid, gid: gid, mode: status.mode)
                try copyTree(from: from, to: to, path: entryPath, uid: uid, gid: gid)
            case .file:
                let hostBytes = try readHost(from, path: entryPath)
                try root.writeAtomically(to, path: entryPath, bytes: hostBytes, mode: status.mode, uid: uid, gid: gid)
            case .symlink(let target):
                guard symlink(target, to) == 0, lchown(to, uid, gid) == 0 else {
                    throw root.posixError("copy skeleton to", entryPath)
                }
            default: continue
            }
        }
    }

    private func readHost(_ hostPath: String, path: String) throws(FirstBootError) -> [UInt8] {
        let fd = open(hostPath, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw root.posixError("read", path) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw root.posixError("read", path)
            }
            if count == 0 { return bytes }
            bytes += chunk[0..<count]
        }
    }

    /// Writes the user's keys to `~/.ssh/authorized_keys.d/ignition`, where Ignition puts them (the
    /// images' sshd reads that file beside `authorized_keys`, which is left alone): the keys joined by
    /// newlines, replacing the file's contents. Missing directories on the way, the home included,
    /// are made 0700 and owned by the user, as Ignition makes them; a new file is 0600 and the
    /// user's, an existing one keeps its mode and owner (Ignition truncates it).
    private func writeKeys(_ entry: AccountEffects.Keys, report: inout ApplyReport) throws(FirstBootError) {
        let uid = UInt32(entry.uid)
        let gid = UInt32(entry.gid)
        let fragmentDirectory = PathSyntax.join(entry.home, ".ssh/authorized_keys.d")
        let homeDepth = PathSyntax.clean(entry.home).split(separator: "/").count
        var directory = ""
        for (depth, component) in fragmentDirectory.split(separator: "/").enumerated() {
            directory += "/" + component
            switch root.lstatKind(try root.resolve(directory, followLast: true)) {
            case .directory: continue
            case .missing:
                // The home and what is below it are the user's; directories above it are the system's.
                let isUsers = depth + 1 >= homeDepth
                try root.makeDirectories(
                    directory, mode: isUsers ? 0o700 : 0o755, uid: isUsers ? uid : 0, gid: isUsers ? gid : 0)
            default:
                throw FirstBootError("add SSH keys", entry.user, "\(directory) exists and is not a directory")
            }
        }
        let keysPath = PathSyntax.join(fragmentDirectory, "ignition")
        let keysHost = try root.resolve(keysPath)
        let existing = root.status(keysHost)
        guard existing == nil || existing?.kind == .file else {
            throw FirstBootError("add SSH keys", entry.user, "\(keysPath) exists and is not a regular file")
        }
        var text = entry.keys.joined(separator: "\n")
        if !text.hasSuffix("\n") { text += "\n" }
        try root.writeAtomically(
            keysHost, path: keysPath, bytes: Array(text.utf8), mode: existing?.mode ?? 0o600,
            uid: existing?.uid ?? uid, gid: existing?.gid ?? gid)
        report.written.append(keysPath)
    }
}
