// Checks of `storage.files`, `directories` and `links` against the root as it is before anything is
// written: overwrite rules, parents that are not directories, owners, hard link targets, and two
// entries that resolve to the same place.

extension Plan {
    /// Overwrite rules and owners, checked against the root as it is now.
    func checkNodes() throws(FirstBootError) {
        var seen: [String: String] = [:]
        let rootHost = try root.resolve("/", followLast: true)
        func claim(_ hostPath: String, _ subject: String, isDirectory: Bool = false) throws(FirstBootError) {
            if hostPath == rootHost && !isDirectory {
                throw FirstBootError("apply", subject, "refusing to replace the root directory itself")
            }
            if let other = seen[hostPath] {
                throw FirstBootError("apply", subject, "resolves to the same place in the root as \(other)")
            }
            seen[hostPath] = subject
        }
        for (index, file) in config.storage.files.enumerated() {
            let subject = "$.storage.files.\(index) (\(file.path))"
            let hostPath = try root.resolve(file.path)
            try claim(hostPath, subject)
            try checkParents(of: file.path, subject: subject)
            _ = try owner(file.user, file.group, defaults: (0, 0), subject: subject)
            guard file.overwrite != true, let existing = root.status(hostPath) else { continue }
            if existing.kind != .file {
                throw FirstBootError("write file", subject, "a non-regular file exists there and overwrite is false")
            }
            if file.contents.source != nil {
                throw FirstBootError(
                    "write file", subject,
                    "a file exists there and overwrite is false; set overwrite: true to replace it")
            }
        }
        for (index, directory) in config.storage.directories.enumerated() {
            let subject = "$.storage.directories.\(index) (\(directory.path))"
            let hostPath = try root.resolve(directory.path)
            try claim(hostPath, subject, isDirectory: directory.overwrite != true)
            try checkParents(of: directory.path, subject: subject)
            _ = try owner(directory.user, directory.group, defaults: (0, 0), subject: subject)
            if directory.overwrite != true, let existing = root.status(hostPath), existing.kind != .directory {
                throw FirstBootError("create directory", subject, "a non-directory exists there and overwrite is false")
            }
        }
        for (index, link) in config.storage.links.enumerated() {
            let subject = "$.storage.links.\(index) (\(link.path))"
            let hostPath = try root.resolve(link.path)
            try claim(hostPath, subject)
            try checkParents(of: link.path, subject: subject)
            _ = try owner(link.user, link.group, defaults: (0, 0), subject: subject)
            let target = link.target ?? ""
            if let problem = TextRules.nulProblem(target, what: "link target") {
                throw FirstBootError("create link", subject, problem)
            }
            if link.hard == true, root.status(try root.resolve(target, followLast: true)) == nil,
                !config.storage.files.contains(where: { $0.path == target }),
                !config.storage.links.contains(where: { $0.path == target && $0.hard != true })
            {
                throw FirstBootError(
                    "create hard link", subject, "the target \(target) exists neither in the root nor in the config")
            }
            guard link.overwrite != true, let existing = root.status(hostPath) else { continue }
            if link.hard == true {
                let targetStatus = root.status(try root.resolve(target, followLast: true))
                if targetStatus?.inode != existing.inode || targetStatus?.device != existing.device {
                    throw FirstBootError(
                        "create hard link", subject, "something else exists there and overwrite is false")
                }
            } else if existing.kind != .symlink(target: target) {
                let found: String
                if case .symlink(let current) = existing.kind {
                    found = "a link to \(current)"
                } else {
                    found = "a non-link"
                }
                throw FirstBootError(
                    "create link", subject, "\(found) exists there, not a link to \(target), and overwrite is false")
            }
        }
    }

    /// Parents that exist must be directories (or links to them).
    private func checkParents(of path: String, subject: String) throws(FirstBootError) {
        var current = PathSyntax.dir(path)
        while current != "/" {
            let kind = root.lstatKind(try root.resolve(current, followLast: true))
            if kind == .directory { return }
            if kind != .missing {
                throw FirstBootError("apply", subject, "\(current) exists in the root and is not a directory")
            }
            current = PathSyntax.dir(current)
        }
    }
}
