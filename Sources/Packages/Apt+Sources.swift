// Which sources apt reads and which keys it trusts. With neither custom sources nor custom keys,
// apt reads the host's configuration as it is. Otherwise the private state holds the arrangement,
// and `-o Dir::Etc::...` points apt at it:
//
//   sources.list       the custom one-line sources                        Dir::Etc::SourceList
//   sources.list.d/    links to the host's sources.list (0-sources.list)   Dir::Etc::SourceParts
//                      and sources.list.d files (1-NAME), when included
//   trusted.gpg.d/     links to the host's trusted.gpg.d keys (host-NAME)  Dir::Etc::TrustedParts
//                      when included, and copies of the keyrings
//                      (keyring-N-NAME.gpg or .asc)
//
// The links are brought up to date before every apt run, so apt sees the host's files as they are
// now, and everything apt reads is named by its arguments and files: nothing rides on global state.
import Foundation

extension Apt {
    /// Arranges the sources and keys in `state` and returns the arguments that point apt at them.
    func sourceArguments(state: String) throws -> [String] {
        var arguments: [String] = []
        let host = options.hostAptConfigurationDirectory
        if options.hasCustomSources {
            guard !options.sources.isEmpty else {
                throw PackagesError(
                    package: "apt sources", operation: "configure apt",
                    message: "no sources: the host's sources are left out and no custom source is given; "
                        + "list sources (apt.sources in a profile) or include the host's")
            }
            for source in options.sources where source.contains("\n") || source.trimmingSpaces.isEmpty {
                throw PackagesError(
                    package: source, operation: "configure apt",
                    message: "expected a one-line source like \"deb http://deb.debian.org/debian bookworm main\"")
            }
            try writeIfChanged("\(state)/sources.list", options.sources.map { $0 + "\n" }.joined())
            try synchronize("\(state)/sources.list.d", with: options.includeHostSources ? try hostSourceLinks() : [:])
            arguments += [
                "-o", "Dir::Etc::SourceList=\(state)/sources.list",
                "-o", "Dir::Etc::SourceParts=\(state)/sources.list.d/",
            ]
        }
        if options.hasCustomTrust {
            var entries = options.includeHostSources ? try hostKeyLinks() : [:]
            for (index, path) in options.keyrings.enumerated() {
                let keyring = try Self.readKeyring(atPath: path)
                entries["keyring-\(index + 1)-\(Self.fileNameStem(path)).\(keyring.fileExtension)"] =
                    .contents(keyring.data)
            }
            try synchronize("\(state)/trusted.gpg.d", with: entries)
            // Without the host's keys, its legacy trusted.gpg goes too: the private path is never created.
            let trusted = options.includeHostSources ? "\(host)/trusted.gpg" : "\(state)/trusted.gpg"
            arguments += [
                "-o", "Dir::Etc::Trusted=\(trusted)",
                "-o", "Dir::Etc::TrustedParts=\(state)/trusted.gpg.d/",
            ]
        }
        return arguments
    }

    /// The host's source files, named so that apt reads its sources.list first, as it would itself.
    private func hostSourceLinks() throws -> [String: PrivateEntry] {
        let host = options.hostAptConfigurationDirectory
        var entries: [String: PrivateEntry] = [:]
        if Self.isRegularFile("\(host)/sources.list") { entries["0-sources.list"] = .link("\(host)/sources.list") }
        for name in try Self.aptReadableFiles(in: "\(host)/sources.list.d", extensions: [".list", ".sources"]) {
            entries["1-\(name)"] = .link("\(host)/sources.list.d/\(name)")
        }
        return entries
    }

    private func hostKeyLinks() throws -> [String: PrivateEntry] {
        let parts = "\(options.hostAptConfigurationDirectory)/trusted.gpg.d"
        var entries: [String: PrivateEntry] = [:]
        for name in try Self.aptReadableFiles(in: parts, extensions: [".gpg", ".asc"]) {
            entries["host-\(name)"] = .link("\(parts)/\(name)")
        }
        return entries
    }

    /// The files in `directory` that apt would read as parts: names of letters, digits, `_`, `-`
    /// and `.` with one of `extensions` (apt ignores other names, some with a notice). A missing
    /// directory has none; one that cannot be read is an error, not a build with fewer sources.
    private static func aptReadableFiles(in directory: String, extensions: [String]) throws -> [String] {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")
        let names = try listDirectory(directory, operation: "read apt's configuration")
        return names.filter { name in
            !name.hasPrefix(".") && name.allSatisfy(allowed.contains) && extensions.contains(where: name.hasSuffix)
                && isRegularFile("\(directory)/\(name)")
        }
    }

    /// Whether `path` is a regular file, following symbolic links.
    private static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// A file's name without directory and extension, in characters apt accepts in a file name.
    private static func fileNameStem(_ path: String) -> String {
        let name = (path as NSString).lastPathComponent
        let stem = name.contains(".") && !name.hasPrefix(".") ? (name as NSString).deletingPathExtension : name
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
        return String(stem.map { allowed.contains($0) ? $0 : "_" })
    }

    /// A file or link a private directory should hold.
    enum PrivateEntry: Equatable {
        case link(String)
        case contents(Data)
    }

    /// Makes `directory` hold exactly `entries`. Each change is a rename into place, so a build that
    /// shares this state and runs apt meanwhile sees the old entry or the new one, never none.
    func synchronize(_ directory: String, with entries: [String: PrivateEntry]) throws {
        try createDirectory(directory)
        let manager = FileManager.default
        // Dot-files are another run's entries on their way in; apt skips them.
        for name in try Self.listDirectory(directory, operation: "create apt state")
        where entries[name] == nil && !name.hasPrefix(".") {
            unlink("\(directory)/\(name)")
        }
        for (name, entry) in entries.sorted(by: { $0.key < $1.key }) {
            let path = "\(directory)/\(name)"
            let current = try? manager.destinationOfSymbolicLink(atPath: path)
            switch entry {
            case .link(let target):
                guard current != target else { continue }
                let temporary = "\(directory)/.\(name).\(getpid()).\(UUID().uuidString)"
                guard symlink(target, temporary) == 0, rename(temporary, path) == 0 else {
                    let reason = String(cString: strerror(errno))
                    unlink(temporary)
                    throw PackagesError(package: path, operation: "create apt state", message: reason)
                }
            case .contents(let data):
                if current != nil { unlink(path) }
                try writeIfChanged(path, data)
            }
        }
    }

    /// The names in `directory`; none when it does not exist.
    private static func listDirectory(_ directory: String, operation: String) throws -> [String] {
        guard let stream = opendir(directory) else {
            if errno == ENOENT { return [] }
            throw PackagesError(package: directory, operation: operation, message: String(cString: strerror(errno)))
        }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
