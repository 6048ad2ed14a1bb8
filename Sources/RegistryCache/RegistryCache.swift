// The build cache shared through a registry. It sits behind the local cache: apt asks it for what
// the local cache lacks (SharedPackageCache), the build asks it for a finished root image, and after
// the build it pushes every entry the build used that the registry does not hold yet.
//
// A registry is a convenience, never a requirement: the first request that fails (connection
// refused, a timeout, an HTTP error) prints one notice naming the registry and the reason, and the
// rest of the build runs locally as if no registry had been named. A blob whose bytes do not match
// its digest is refused and only that entry is built locally.
import FileHashing
public import Foundation
public import Packages
import Rootfs

/// One build's view of a shared registry cache. Thread-safe: packages are pulled concurrently.
public final class RegistryCache: SharedPackageCache {
    public let client: RegistryClient
    /// The local cache directory; root images are kept under `rootfs/` in it.
    public let cacheDirectory: String
    let notice: @Sendable (String) -> Void
    let state = Locked(State())

    struct State {
        /// Why the registry is no longer used in this build, once it failed.
        var disabled: String?
        /// Tags this build pulled, which need no push.
        var pulled: Set<String> = []
        var resolutions: [String: [String]] = [:]
        var packages: [String: String] = [:]
        var rootImage: (key: String, file: String, metadata: [String: String])?
        var counts = Counts()
    }

    /// What the build took from and gave to the registry, for its summary line.
    public struct Counts: Sendable, Equatable {
        public var pulledPackages = 0
        public var pulledResolutions = 0
        public var pulledRootImage = false
        public var downloadedPackages = 0
        public var pushed = 0
    }

    /// The environment variable that names the registry when `--cache-registry` is not given.
    public static let environmentVariable = "SLIPWAY_CACHE_REGISTRY"
    /// The environment variable with `USER:PASSWORD` for registries that ask for them.
    public static let credentialsVariable = "SLIPWAY_CACHE_REGISTRY_AUTH"

    public init(
        client: RegistryClient, cacheDirectory: String, notice: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.client = client
        self.cacheDirectory = cacheDirectory
        self.notice = notice
    }

    /// The cache named by `option` (`--cache-registry`), else by SLIPWAY_CACHE_REGISTRY; nil when
    /// neither names one. A malformed name is an error naming where it came from.
    public static func configured(
        option: String?, environment: [String: String], cacheDirectory: String, timeout: TimeInterval = 20,
        notice: @escaping @Sendable (String) -> Void
    ) throws -> RegistryCache? {
        let source: String
        let text: String
        if let option {
            (source, text) = ("--cache-registry", option)
        } else if let value = environment[environmentVariable], !value.isEmpty {
            (source, text) = (environmentVariable, value)
        } else {
            return nil
        }
        let reference = try RegistryReference(parsing: text, source: source)
        let client = RegistryClient(
            reference: reference, credentials: environment[credentialsVariable], timeout: timeout)
        return RegistryCache(client: client, cacheDirectory: cacheDirectory, notice: notice)
    }

    public var counts: Counts { state.value.counts }

    /// One line for the build's output: what came from the registry and what went to it.
    public var summary: String {
        let current = state.value
        let counts = current.counts
        var parts = [
            "pulled \(counts.pulledPackages) package\(counts.pulledPackages == 1 ? "" : "s")",
            "\(counts.pulledResolutions) resolution\(counts.pulledResolutions == 1 ? "" : "s")",
        ]
        if counts.pulledRootImage { parts.append("the root image") }
        parts.append("pushed \(counts.pushed) entr\(counts.pushed == 1 ? "y" : "ies")")
        parts.append("\(counts.downloadedPackages) package\(counts.downloadedPackages == 1 ? "" : "s") from the mirror")
        let state = current.disabled.map { " (not used: \($0))" } ?? ""
        return "cache registry \(client.reference): " + parts.joined(separator: ", ") + state
    }

    // MARK: - SharedPackageCache

    public func resolution(key: String) -> [String]? {
        let tag = CacheEntryKind.resolution.tag(key)
        guard let data = pullSmallEntry(tag: tag, kind: .resolution) else { return nil }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        state.update {
            $0.pulled.insert(tag)
            $0.counts.pulledResolutions += 1
        }
        return lines
    }

    public func fetchPackage(sha256: String, to path: String) -> Bool {
        // The key is the blob's digest: no manifest is needed to find it.
        guard let pulled = attempt({ try client.pullBlob("sha256:\(sha256)", to: path) }), pulled else { return false }
        state.update {
            $0.pulled.insert(CacheEntryKind.deb.tag(sha256))
            $0.counts.pulledPackages += 1
        }
        return true
    }

    public func used(resolution lines: [String], key: String) {
        state.update { $0.resolutions[key] = lines }
    }

    public func used(package: ResolvedPackage, file: String, downloaded: Bool) {
        state.update {
            $0.packages[package.sha256] = file
            if downloaded { $0.counts.downloadedPackages += 1 }
        }
    }

    // MARK: - Requests that may fail

    /// Runs `body` unless the registry was given up on; a failure of the registry as a whole gives
    /// up on it with one notice, a bad entry is reported and skipped.
    func attempt<T>(_ body: () throws -> T) -> T? {
        if state.value.disabled != nil { return nil }
        do {
            return try body()
        } catch let error as RegistryError {
            if error.isFatal {
                let first = state.update { current -> Bool in
                    guard current.disabled == nil else { return false }
                    current.disabled = error.reason
                    return true
                }
                if first { notice("cache registry \(client.reference): \(error); building without it") }
            } else {
                notice("cache registry \(client.reference): \(error); building that part locally")
            }
            return nil
        } catch {
            notice("cache registry \(client.reference): \(error); building that part locally")
            return nil
        }
    }

    /// The single layer of a small entry (a resolution), verified by digest; nil when missing.
    private func pullSmallEntry(tag: String, kind: CacheEntryKind) -> Data? {
        attempt { () throws -> Data? in
            guard let data = try client.manifest(tag: tag) else { return nil }
            let manifest = try CacheManifest.decode(data, tag: tag)
            guard manifest.layers[0].size <= 16 << 20 else {
                throw RegistryError(
                    operation: "pull", subject: tag, reason: "a \(manifest.layers[0].size)-byte layer is too large",
                    isFatal: false)
            }
            return try client.blobData(manifest.layers[0].digest)
        } ?? nil
    }
}
