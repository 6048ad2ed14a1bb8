// What the SBOM takes from each .deb beyond apt's record: the Maintainer field and the copyright
// file. Finding the copyright file means decompressing the data archive up to it (2.7 s for a
// kernel package), so what was read is kept beside the cache's .debs under the .deb's SHA-256 —
// a .deb's contents never change under its digest — and a later build reads a few bytes instead.
import Foundation
import Packages
import Rootfs

/// The maintainer and copyright file of one .deb.
struct DebianFacts: Codable, Sendable, Equatable {
    var maintainer: String?
    /// The copyright file's text.
    var copyright: String?
    /// The package whose documentation directory this one's links to (libgcc-s1 → gcc-12-base).
    var linkedPackage: String?

    /// The facts of every distinct .deb among `records` (by SHA-256), read from the cached .debs
    /// concurrently or from what earlier builds kept.
    /// - Throws: `PackagesError` when a .deb is missing from the cache or cannot be read.
    static func read(_ records: [Manifest.PackageRecord], cache: PackageCache) throws -> [String: DebianFacts] {
        var seen: Set<String> = []
        let digests = records.map(\.sha256).filter { seen.insert($0).inserted }
        let facts = try ConcurrentMap.run(digests) { sha256 -> DebianFacts in
            let kept = "\(cache.directory)/sbom/sha256/\(sha256).json"
            if let data = FileManager.default.contents(atPath: kept),
                let facts = try? JSONDecoder().decode(DebianFacts.self, from: data)
            {
                return facts
            }
            let facts = try DebianFacts(deb: DebianPackage(path: cache.path(sha256: sha256)))
            keep(facts, at: kept)
            return facts
        }
        return Dictionary(zip(digests, facts), uniquingKeysWith: { first, _ in first })
    }

    init(deb: DebianPackage) throws {
        maintainer = deb.control["Maintainer"]
        switch try deb.copyrightFile() {
        case .text(let text): copyright = text
        case .link(let package): linkedPackage = package
        case .missing: break
        }
    }

    /// Writes `facts` under a temporary name and renames it into place; a failure only costs the
    /// next build the reading again.
    private static func keep(_ facts: DebianFacts, at path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = "\(path).\(UUID().uuidString.prefix(8)).tmp"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try JSONEncoder().encode(facts).write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
        }
    }
}
