// Package files from the shared cache: what the local cache lacks is asked of it before apt
// downloads anything, and each file it hands over is verified against the resolution's size and
// SHA-256 by PackageCache.store, exactly as a download from the mirror is.
import Foundation
import Rootfs

extension Apt {
    /// The files of `packages` the shared cache could supply, verified and stored in the local
    /// cache, by SHA-256. A file that fails verification is dropped (apt downloads it instead).
    func fetchShared(_ packages: [ResolvedPackage]) -> [String: String] {
        guard let shared, !packages.isEmpty else { return [:] }
        var unique: [ResolvedPackage] = []
        var seen: Set<String> = []
        for package in packages where seen.insert(package.sha256).inserted { unique.append(package) }
        let scratch = "\(cache.downloadsDirectory)/\(getpid())-\(UUID().uuidString)"
        guard (try? createDirectory(scratch)) != nil else { return [:] }
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let cache = self.cache, notice = self.notice
        let stored =
            (try? ConcurrentMap.run(unique) { package -> String? in
                let download = "\(scratch)/\(package.sha256).deb"
                guard shared.fetchPackage(sha256: package.sha256, to: download) else { return nil }
                do {
                    return try cache.store(download: download, for: package)
                } catch {
                    notice("shared cache: \(package.id) refused: \(error)")
                    return nil
                }
            }) ?? []
        var paths: [String: String] = [:]
        for (package, path) in zip(unique, stored) {
            if let path { paths[package.sha256] = path }
        }
        return paths
    }

    /// Tells the shared cache about every file the build uses; returns `packages`.
    func reportUsed(_ packages: [CachedPackage]) -> [CachedPackage] {
        guard let shared else { return packages }
        for cached in packages {
            shared.used(package: cached.package, file: cached.path, downloaded: !cached.wasCached)
        }
        return packages
    }
}
