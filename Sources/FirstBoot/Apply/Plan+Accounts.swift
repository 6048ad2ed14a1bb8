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

    /// Adds the user's keys to `~/.ssh/authorized_keys` (the file sshd reads), keeping keys
    /// already there; the directory is 0700 and the file 0600, both owned by the user.
    private func writeKeys(_ entry: AccountEffects.Keys, report: inout ApplyReport) throws(FirstBootError) {
        let uid = UInt32(entry.uid)
        let gid = UInt32(entry.gid)
        let sshPath = PathSyntax.join(entry.home, ".ssh")
        if root.status(try root.resolve(entry.home, followLast: true)) == nil {
            try root.makeDirectories(entry.home, mode: 0o755, uid: 0, gid: 0)
        }
        let sshHost = try root.resolve(sshPath, followLast: true)
        switch root.lstatKind(sshHost) {
        case .missing: try root.makeDirectories(sshPath, mode: 0o700, uid: uid, gid: gid)
        case .directory: break
        default: throw FirstBootError("add SSH keys", entry.user, "\(sshPath) exists and is not a directory")
        }
        let keysPath = PathSyntax.join(sshPath, "authorized_keys")
        let keysHost = try root.resolve(keysPath)
        var lines: [String] = []
        if root.lstatKind(keysHost) == .file, let existing = try root.read(keysPath) {
            lines = String(decoding: existing, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                .map(String.init)
            if lines.last == "" { lines.removeLast() }
        } else if root.lstatKind(keysHost) != .missing {
            throw FirstBootError("add SSH keys", entry.user, "\(keysPath) exists and is not a regular file")
        }
        for key in entry.keys where !key.isEmpty && !lines.contains(key) { lines.append(key) }
        let text = lines.map { $0 + "\n" }.joined()
        try root.writeAtomically(keysHost, path: keysPath, bytes: Array(text.utf8), mode: 0o600, uid: uid, gid: gid)
        report.written.append(keysPath)
    }
}
