// What resolution and fetching produce: one record per package of the closure.

/// A package apt chose for the closure, with what is needed to fetch and verify it.
public struct ResolvedPackage: Sendable, Hashable, Codable {
    public var name: String
    /// The exact version, epoch included ("1:1.35.0-4+b1").
    public var version: String
    /// The package's architecture: the image's, or "all".
    public var architecture: String
    /// Lower-case hex SHA-256 of the .deb, from the repository's signed index.
    public var sha256: String
    /// Size of the .deb in bytes.
    public var size: Int64
    /// Where apt fetches it from.
    public var uri: String
    /// apt's file name for it (`name_version_arch.deb`, ':' written as %3a).
    public var fileName: String

    public init(
        name: String, version: String, architecture: String, sha256: String, size: Int64, uri: String,
        fileName: String
    ) {
        self.name = name
        self.version = version
        self.architecture = architecture
        self.sha256 = sha256
        self.size = size
        self.uri = uri
        self.fileName = fileName
    }

    /// `name_version_arch`: how packages are named in progress, errors and the cache index.
    public var id: String { "\(name)_\(version)_\(architecture)" }

    /// The request that selects exactly this package: `name:arch=version`.
    var exactSpec: String { "\(name):\(architecture)=\(version)" }

    /// Checks the fields that become file names and apt-get arguments, since a record may come
    /// from a file (a lock file, a manifest) rather than from apt: no path may leave the cache and
    /// nothing may read as an option.
    func validate() throws {
        let lower = "abcdefghijklmnopqrstuvwxyz0123456789"
        let rules: [(String, String, Set<Character>, String)] = [
            ("name", name, Set(lower + "+-."), "lower-case letters, digits, + - ."),
            ("version", version, Set(lower + "ABCDEFGHIJKLMNOPQRSTUVWXYZ+-.~:"), "letters, digits, + - . ~ :"),
            ("architecture", architecture, Set(lower + "-"), "lower-case letters, digits, -"),
            ("sha256", sha256, Set("0123456789abcdef"), "64 lower-case hex digits"),
            ("file name", fileName, Set(lower + "ABCDEFGHIJKLMNOPQRSTUVWXYZ+-.~%_"), "a file name without /"),
        ]
        for (field, value, allowed, rule) in rules {
            let leads = value.first.map { $0.isLetter || $0.isNumber } ?? false
            guard leads, value.allSatisfy(allowed.contains), field != "sha256" || value.count == 64 else {
                throw PackagesError(
                    package: "\(name)_\(version)_\(architecture)", operation: "check package record",
                    message: "\(field) \"\(value)\": expected \(rule), starting with a letter or digit")
            }
        }
    }
}

/// A resolved package whose verified .deb is in the cache.
public struct CachedPackage: Sendable, Hashable {
    public var package: ResolvedPackage
    /// The verified .deb in the content-addressed store (`<cache>/debs/sha256/<hex>.deb`).
    public var path: String
    /// True when the file was already cached (and re-verified); false when it was downloaded now.
    public var wasCached: Bool

    public init(package: ResolvedPackage, path: String, wasCached: Bool) {
        self.package = package
        self.path = path
        self.wasCached = wasCached
    }
}

/// Progress of `Apt.fetch`, reported after each step so a terminal can show "[3/28] 12.1/68.0 MB".
public struct FetchProgress: Sendable, Equatable {
    public enum Step: Sendable, Equatable {
        /// A package was found in the cache and re-verified.
        case cached
        /// apt is downloading; `package` is the file it started last.
        case downloading
        /// A downloaded package was verified and stored.
        case stored
    }

    public var step: Step
    /// `name_version_arch` of the package concerned, or "" when apt has not named one yet.
    public var package: String
    /// Packages verified and in the cache so far.
    public var completed: Int
    public var total: Int
    /// Bytes in the cache so far, plus apt's estimate of what it fetched while downloading.
    public var completedBytes: Int64
    public var totalBytes: Int64

    public init(step: Step, package: String, completed: Int, total: Int, completedBytes: Int64, totalBytes: Int64) {
        self.step = step
        self.package = package
        self.completed = completed
        self.total = total
        self.completedBytes = completedBytes
        self.totalBytes = totalBytes
    }
}

/// One package of an image, as the build manifest (the image's SBOM) records it.
public struct PackageRecord: Sendable, Hashable, Codable {
    public var name: String
    public var version: String
    public var architecture: String
    public var sha256: String
    public var size: Int64
    /// The URI the .deb came from.
    public var source: String
    /// Maintainer scripts the package has (preinst, postinst, prerm, postrm, config), which the
    /// build does not run; see docs/packages.md for what a profile supplies instead.
    public var maintainerScripts: [String]

    public var hasMaintainerScripts: Bool { !maintainerScripts.isEmpty }

    public init(
        name: String, version: String, architecture: String, sha256: String, size: Int64, source: String,
        maintainerScripts: [String]
    ) {
        self.name = name
        self.version = version
        self.architecture = architecture
        self.sha256 = sha256
        self.size = size
        self.source = source
        self.maintainerScripts = maintainerScripts
    }

    /// The record of a fetched package, with the scripts found in its .deb.
    public init(package: ResolvedPackage, contents: DebianPackage) {
        self.init(
            name: package.name, version: package.version, architecture: package.architecture,
            sha256: package.sha256, size: package.size, source: package.uri,
            maintainerScripts: contents.maintainerScripts)
    }
}
