// Fetching: cached files are re-verified; the rest are downloaded by one `apt-get download` into a
// scratch directory inside the cache, verified with our own SHA-256, and renamed into the store.
import Foundation
import Rootfs

extension Apt {
    /// Makes sure every package's verified .deb is in the cache, downloading what is missing or corrupt.
    /// Returns one `CachedPackage` per input, in the same order. `progress` is called on this thread.
    /// - Throws: `PackagesError` naming the package whose download or verification failed.
    public func fetch(_ packages: [ResolvedPackage], progress: (FetchProgress) -> Void = { _ in }) throws
        -> [CachedPackage]
    {
        for package in packages { try package.validate() }
        let totalBytes = packages.reduce(Int64(0)) { $0 + $1.size }
        var results: [CachedPackage?] = Array(repeating: nil, count: packages.count)
        var completed = 0
        var completedBytes: Int64 = 0
        var missing: [ResolvedPackage] = []
        var seen: Set<String> = []
        // Re-hashing every cached .deb is most of a warm fetch: spread it over the processors.
        let cache = self.cache, notice = self.notice
        var verified = try ConcurrentMap.run(packages) { try cache.verifiedFile(for: $0, corrupt: notice) }
        let fromShared = fetchShared(packages.indices.filter { verified[$0] == nil }.map { packages[$0] })
        for index in packages.indices where verified[index] == nil {
            verified[index] = fromShared[packages[index].sha256]
        }
        for (index, package) in packages.enumerated() {
            guard let path = verified[index] else {
                if seen.insert(package.sha256).inserted { missing.append(package) }
                continue
            }
            results[index] = CachedPackage(package: package, path: path, wasCached: true)
            completed += 1
            completedBytes += package.size
            progress(
                FetchProgress(
                    step: .cached, package: package.id, completed: completed, total: packages.count,
                    completedBytes: completedBytes, totalBytes: totalBytes))
        }
        guard !missing.isEmpty else { return reportUsed(results.compactMap { $0 }) }

        let scratch = "\(cache.downloadsDirectory)/\(getpid())-\(UUID().uuidString)"
        try createDirectory(scratch)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let cachedBytes = completedBytes
        let missingBytes = missing.reduce(Int64(0)) { $0 + $1.size }
        var current = ""
        try download(missing, into: scratch) { line in
            if let started = Self.startedPackage(line, among: missing) { current = started.id }
            guard let percent = Self.downloadPercent(line) else { return }
            progress(
                FetchProgress(
                    step: .downloading, package: current, completed: completed, total: packages.count,
                    completedBytes: cachedBytes + Int64(Double(missingBytes) * percent / 100),
                    totalBytes: totalBytes))
        }

        var stored: [String: String] = [:]
        for package in missing {
            stored[package.sha256] = try cache.store(download: "\(scratch)/\(package.fileName)", for: package)
        }
        for (index, package) in packages.enumerated() where results[index] == nil {
            guard let path = stored[package.sha256] else { continue }
            results[index] = CachedPackage(package: package, path: path, wasCached: false)
            completed += 1
            completedBytes += package.size
            progress(
                FetchProgress(
                    step: .stored, package: package.id, completed: completed, total: packages.count,
                    completedBytes: completedBytes, totalBytes: totalBytes))
        }
        return reportUsed(results.compactMap { $0 })
    }

    /// Runs `apt-get download` for the exact versions of `packages` in `directory`, with apt's status
    /// lines on standard output for progress.
    private func download(_ packages: [ResolvedPackage], into directory: String, onLine: (String) -> Void) throws {
        let lists = try listsInUse()
        let result = try withLock(exclusive: false) {
            try runAptGet(
                ["download", "-q", "-o", "APT::Status-Fd=1"] + packages.map(\.exactSpec), lists: lists,
                directory: directory, onLine: onLine)
        }
        let output = AptOutput(result)
        for warning in output.warnings where !warning.contains("unsandboxed") { notice("apt-get download: \(warning)") }
        guard result.status == 0 else {
            let failed = packages.filter { package in output.errors.contains { $0.contains(package.uri) } }
            let named = output.namedPackage.map { [$0] } ?? []
            let culprits = failed.isEmpty ? (named.isEmpty ? packages.map(\.id) : named) : failed.map(\.id)
            throw PackagesError(
                package: culprits.joined(separator: " "), operation: "download",
                message: "apt-get download: \(output.errorSummary). Hint: if the mirror no longer has this "
                    + "version, the package lists are older than the mirror: refresh them (apt-get update, or a "
                    + "private refresh) and build again")
        }
        for package in packages where fileSize("\(directory)/\(package.fileName)") == nil {
            let present = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            throw PackagesError(
                package: package.id, operation: "download",
                message: "apt-get download succeeded but wrote no \(package.fileName) (it wrote: "
                    + "\(present.sorted().joined(separator: ", ")))")
        }
    }

    /// apt's "dlstatus:N:PERCENT:description" line as a percentage.
    static func downloadPercent(_ line: String) -> Double? {
        guard line.hasPrefix("dlstatus:") else { return nil }
        let fields = line.split(separator: ":", maxSplits: 3)
        guard fields.count >= 3, let percent = Double(fields[2]) else { return nil }
        return min(max(percent, 0), 100)
    }

    /// The package that apt's "Get:N URI SUITE ARCH NAME ARCH VERSION [SIZE]" line starts fetching.
    static func startedPackage(_ line: String, among packages: [ResolvedPackage]) -> ResolvedPackage? {
        guard line.hasPrefix("Get:") else { return nil }
        let words = line.split(separator: " ").map(String.init)
        for index in words.indices.dropLast(2) {
            let found = packages.first { $0.name == words[index] }
            guard let found, words[index + 1] == found.architecture, words[index + 2] == found.version else { continue }
            return found
        }
        return nil
    }
}
