// Which package lists apt reads: the host's, read-only, or a private copy that `refresh()` keeps.
import Foundation

extension Apt {
    /// Downloads fresh package lists from the configured sources into this cache's private lists
    /// directory (`apt-get update` with private state). The host's lists are never written. From then
    /// on resolution reads whichever of the host's and the private lists is newer.
    public func refresh() throws {
        try withLock(exclusive: true) { try refreshLocked() }
    }

    /// The lists directory that resolution reads, refreshing the private lists first when no usable
    /// lists exist (an empty host, another architecture, custom sources used for the first time).
    public func listsInUse() throws -> String {
        if let lists = try withLock(exclusive: false, { try usableLists() }) { return lists }
        return try withLock(exclusive: true) {
            // Another process may have refreshed while we waited for the lock.
            if let lists = try usableLists() { return lists }
            notice(missingListsReason() + ": refreshing private package lists in \(privateListsDirectory)")
            try refreshLocked()
            return privateListsDirectory
        }
    }

    /// The lists to use now, or nil when neither the host's nor the private ones index our architecture.
    private func usableLists() throws -> String? {
        let privateAge = newestIndex(in: privateListsDirectory)
        // The host's lists do not index custom sources (nor leave out the host's).
        if options.hasCustomSources { return privateAge == nil ? nil : privateListsDirectory }
        let hostAge = newestIndex(in: options.hostListsDirectory)
        switch (hostAge, privateAge) {
        case (nil, nil): return nil
        case (_?, nil): return options.hostListsDirectory
        case (nil, _?): return privateListsDirectory
        case (let host?, let mine?): return mine > host ? privateListsDirectory : options.hostListsDirectory
        }
    }

    private func missingListsReason() -> String {
        if options.hasCustomSources { return "no package lists yet for the \(options.sourcesDescription)" }
        return "the host's package lists in \(options.hostListsDirectory) have no index for \(options.architecture)"
    }

    private func refreshLocked() throws {
        let lists = privateListsDirectory
        let result = try runAptGet(["update"], lists: lists)
        let output = AptOutput(result)
        guard result.status == 0 else {
            // apt says which key is missing in a warning; the error only says "not signed".
            let signature = output.warnings.filter { $0.hasPrefix("GPG error") }
            let unsigned = !signature.isEmpty || output.errors.contains { $0.contains("is not signed") }
            let hint =
                unsigned
                ? "the repository's signature cannot be checked: trust its key with a keyring (apt.keyrings in a "
                    + "profile) or name the key file with [signed-by=FILE] in its source"
                : "check the sources and the network (the mirror must be reachable)"
            let said = ([output.errorSummary] + signature).joined(separator: "; ")
            throw PackagesError(
                package: options.sourcesDescription, operation: "refresh package lists",
                message: "apt-get update into \(lists) failed: \(said): \(hint)")
        }
        guard newestIndex(in: lists) != nil else {
            let said = output.warnings.isEmpty ? "" : " (apt-get said: \(output.warnings.joined(separator: "; ")))"
            throw PackagesError(
                package: options.sourcesDescription, operation: "refresh package lists",
                message: "apt-get update left no package index for \(options.architecture) in \(lists)\(said): check "
                    + "that the mirror is reachable and offers this architecture and component")
        }
        for warning in output.warnings { notice("apt-get update: \(warning)") }
    }

    /// The modification time of the newest package index for our architecture in `directory`.
    func newestIndex(in directory: String) -> Date? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return nil }
        let marker = "_binary-\(options.architecture)_Packages"
        var newest: Date?
        for name in names where name.contains(marker) {
            let attributes = try? FileManager.default.attributesOfItem(atPath: "\(directory)/\(name)")
            guard let date = attributes?[.modificationDate] as? Date else { continue }
            if newest.map({ date > $0 }) ?? true { newest = date }
        }
        return newest
    }
}
