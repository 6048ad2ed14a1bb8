// Writing `storage.files`, `directories` and `links` with Ignition's semantics: shallow entries
// first, hard links last; missing parents become root-owned 0755 directories; `overwrite` removes
// what is there first; without it an existing file keeps its contents, mode and owner unless the
// config sets them, an existing directory gets the configured mode and owner, and an existing
// matching link is left alone.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

extension Plan {
    private enum Entry {
        case directory(Int)
        case file(Int)
        case link(Int)
    }

    /// Spec versions before 3.4.0 cannot set setuid/setgid/sticky (Ignition drops those bits).
    private func effectiveMode(_ mode: Int) -> UInt32 {
        let bits = UInt32(truncatingIfNeeded: mode) & 0o7777
        return (config.version ?? .latest) < .v3_4 ? bits & 0o777 : bits
    }

    private static func depth(_ path: String) -> Int {
        PathSyntax.clean(path).split(separator: "/").count
    }

    func writeNodes(report: inout ApplyReport) throws(FirstBootError) {
        let storage = config.storage
        var ordered: [(Int, Entry)] = storage.directories.indices.map {
            (Plan.depth(storage.directories[$0].path), .directory($0))
        }
        ordered += storage.files.indices.map { (Plan.depth(storage.files[$0].path), .file($0)) }
        ordered += storage.links.indices.filter { storage.links[$0].hard != true }.map {
            (Plan.depth(storage.links[$0].path), .link($0))
        }
        var entries = ordered.enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }.map(
            \.element.1)
        let hard = storage.links.indices.filter { storage.links[$0].hard == true }
        entries += hard.sorted { (Plan.depth(storage.links[$0].path), $0) < (Plan.depth(storage.links[$1].path), $1) }
            .map(Entry.link)
        for entry in entries {
            switch entry {
            case .directory(let index):
                try writeDirectory(index)
                report.written.append(storage.directories[index].path)
            case .file(let index):
                try writeFile(index)
                report.written.append(storage.files[index].path)
            case .link(let index):
                try writeLink(index)
                report.written.append(storage.links[index].path)
            }
        }
    }

    private func writeFile(_ index: Int) throws(FirstBootError) {
        let file = config.storage.files[index]
        let subject = "$.storage.files.\(index) (\(file.path))"
        var hostPath = try root.resolve(file.path)
        if file.overwrite == true { try root.removeAll(hostPath, path: file.path) }
        try root.makeParents(of: file.path)
        hostPath = try root.resolve(file.path)
        let existing = root.status(hostPath)
        let (uid, gid) = try owner(
            file.user, file.group, defaults: (existing?.uid ?? 0, existing?.gid ?? 0), subject: subject)
        let mode = file.mode.map(effectiveMode) ?? existing?.mode ?? 0o644
        // Resources are decoded again as they are written (they were verified while planning), so
        // that no file is ever held in memory whole.
        if let resource = contents[index] {
            try root.writeAtomically(hostPath, path: file.path, mode: mode, uid: uid, gid: gid) {
                write throws(FirstBootError) in
                try resource.stream(subject: subject, into: write)
            }
        } else if existing == nil {
            try root.writeAtomically(hostPath, path: file.path, bytes: [], mode: mode, uid: uid, gid: gid)
        }
        for (appendIndex, fragment) in (appends[index] ?? []).enumerated() {
            try root.append(hostPath, path: file.path) { write throws(FirstBootError) in
                try fragment.stream(
                    subject: "$.storage.files.\(index).append.\(appendIndex) (\(file.path))", into: write)
            }
        }
        try root.setOwnerAndMode(hostPath, path: file.path, uid: uid, gid: gid, mode: mode)
    }

    private func writeDirectory(_ index: Int) throws(FirstBootError) {
        let directory = config.storage.directories[index]
        let subject = "$.storage.directories.\(index) (\(directory.path))"
        var hostPath = try root.resolve(directory.path)
        if directory.overwrite == true { try root.removeAll(hostPath, path: directory.path) }
        hostPath = try root.resolve(directory.path)
        if let existing = root.status(hostPath), existing.kind == .directory {
            let (uid, gid) = try owner(
                directory.user, directory.group, defaults: (existing.uid, existing.gid), subject: subject)
            let mode = directory.mode.map(effectiveMode) ?? existing.mode
            try root.setOwnerAndMode(hostPath, path: directory.path, uid: uid, gid: gid, mode: mode)
            return
        }
        let (uid, gid) = try owner(directory.user, directory.group, defaults: (0, 0), subject: subject)
        try root.makeDirectories(directory.path, mode: directory.mode.map(effectiveMode) ?? 0o755, uid: uid, gid: gid)
    }

    private func writeLink(_ index: Int) throws(FirstBootError) {
        let link = config.storage.links[index]
        let subject = "$.storage.links.\(index) (\(link.path))"
        let target = link.target ?? ""
        var hostPath = try root.resolve(link.path)
        if link.overwrite == true { try root.removeAll(hostPath, path: link.path) }
        try root.makeParents(of: link.path)
        hostPath = try root.resolve(link.path)
        if root.status(hostPath) != nil { return }  // an identical link (checked while planning)
        if link.hard == true {
            // Like Ignition, a relative hard link target is taken relative to the root.
            let targetHost = try root.resolve(target, followLast: true)
            guard Glibc.link(targetHost, hostPath) == 0 else { throw root.posixError("create hard link", subject) }
            return
        }
        guard symlink(target, hostPath) == 0 else { throw root.posixError("create link", subject) }
        let (uid, gid) = try owner(link.user, link.group, defaults: (0, 0), subject: subject)
        guard lchown(hostPath, uid, gid) == 0 else { throw root.posixError("change owner of", subject) }
    }
}
