// A cache shared between machines, consulted after the local one: `slipway build --cache-registry`
// plugs a registry in here. Apt asks it for resolutions and package files it does not have, and
// tells it about every one the build used, so what is new can be shared after the build. Nothing
// it returns is trusted unchecked: package files are verified against the resolution's SHA-256
// like any download, and the implementation verifies every blob by digest.

/// Resolutions and package files from outside this machine's cache.
public protocol SharedPackageCache: Sendable {
    /// apt's printed lines for the resolution with this key (`Apt.sharedResolutionKey`), or nil.
    func resolution(key: String) -> [String]?
    /// Writes the package file with this SHA-256 to `path`; false when the shared cache lacks it.
    func fetchPackage(sha256: String, to path: String) -> Bool
    /// A resolution the build used, wherever it came from.
    func used(resolution lines: [String], key: String)
    /// A verified package file the build used; `downloaded` when apt fetched it from the mirror.
    func used(package: ResolvedPackage, file: String, downloaded: Bool)
}
