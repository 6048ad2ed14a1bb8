// apt-get with a private state: an empty dpkg status, its own cache and (when needed) its own package
// lists, so resolving and downloading never read the host's installed packages and never write the
// host's dpkg or apt directories. Nothing here needs root.
//
//   <cache>/apt/<key>/            key = architecture, plus a digest of custom sources and keys
//     apt.conf                    clears the host's update and dpkg hooks (they act on host paths)
//     status                      empty: "nothing is installed", so apt resolves the full closure
//     state/  cache/archives/     apt's Dir::State and Dir::Cache (pkgcache-*.bin live here)
//     lists/                      private package lists, written only by `refresh()`
//     sources.list(.d)            custom sources and links to the host's (Apt+Sources.swift)
//     trusted.gpg.d/              custom keys and links to the host's (Apt+Sources.swift)
//     lock                        flock: shared while reading lists, exclusive while refreshing
import Foundation
import Hashing

/// Resolves Debian packages to their dependency closure and downloads them into a `PackageCache`,
/// running apt-get with private state.
public final class Apt: Sendable {
    public let cache: PackageCache
    public let options: AptOptions
    /// Consulted after `cache` for resolutions and package files, and told what the build used.
    public let shared: (any SharedPackageCache)?
    let notice: @Sendable (String) -> Void

    /// - Parameter notice: receives what a user should know but is not an error: a private refresh
    ///   that is about to run and why, a corrupt cache entry that was replaced, apt's warnings.
    public init(
        cache: PackageCache = .atDefaultLocation(), options: AptOptions = AptOptions(),
        shared: (any SharedPackageCache)? = nil, notice: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.cache = cache
        self.options = options
        self.shared = shared
        self.notice = notice
    }

    /// This configuration's private apt directory. Each set of sources and keys has its own, so
    /// lists fetched for one are never read with another.
    var stateDirectory: String {
        var key = options.architecture
        if options.hasCustomSources || options.hasCustomTrust {
            let description =
                ["host-sources \(options.includeHostSources)"] + options.sources.map { "source \($0)" }
                + options.keyrings.map { "keyring \($0)" }
            key += "-" + String(SHA256.hexDigest(Array(description.joined(separator: "\n").utf8)).prefix(16))
        }
        return "\(cache.directory)/apt/\(key)"
    }

    var privateListsDirectory: String { "\(stateDirectory)/lists" }

    /// Creates the private directories and files apt expects, and returns the arguments that point
    /// apt at them, reading package lists from `lists`. `asRoot` adds what apt needs when run as root.
    func aptArguments(lists: String, asRoot: Bool = geteuid() == 0) throws -> [String] {
        let state = stateDirectory
        let flavour = lists == privateListsDirectory ? "private" : "host"
        for directory in ["\(state)/state", "\(state)/cache/archives/partial", "\(privateListsDirectory)/partial"] {
            try createDirectory(directory)
        }
        try writeIfChanged("\(state)/status", "")
        let architecture = options.architecture
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-")
        guard !architecture.isEmpty, architecture.allSatisfy(allowed.contains) else {
            throw PackagesError(
                package: architecture, operation: "configure apt",
                message: "expected a Debian architecture name such as amd64 or arm64")
        }
        // The architecture list is set in the file: `-o APT::Architectures=X` would add X to the host's
        // list instead of replacing it, and foreign packages could then satisfy dependencies.
        let configuration =
            Self.hookReset + """
                APT::Architecture "\(architecture)";
                #clear APT::Architectures;
                APT::Architectures { "\(architecture)"; };

                """
        try writeIfChanged("\(state)/apt.conf", configuration)
        var arguments = [
            "-c", "\(state)/apt.conf",
            "-o", "Dir::State=\(state)/state/",
            "-o", "Dir::State::status=\(state)/status",
            "-o", "Dir::State::Lists=\(lists)/",
            "-o", "Dir::Cache=\(state)/cache/",
            "-o", "Dir::Cache::archives=\(state)/cache/archives/",
            "-o", "Dir::Cache::pkgcache=\(state)/cache/pkgcache-\(flavour).bin",
            "-o", "Dir::Cache::srcpkgcache=\(state)/cache/srcpkgcache-\(flavour).bin",
            "-o", "Debug::NoLocking=1",
            "-o", "APT::Install-Recommends=\(options.installRecommends)",
            "-o", "APT::Install-Suggests=false",
            "-o", "Acquire::Languages=none",
            "-o", "Acquire::ForceHash=SHA256",
        ]
        if asRoot {
            // As root apt drops to the _apt user to download, which cannot write into a cache that
            // root owns (and may not even reach it under /root).
            arguments += ["-o", "APT::Sandbox::User=root"]
        }
        arguments += try sourceArguments(state: state)
        for setting in options.settings {
            guard let equals = setting.firstIndex(of: "="), equals != setting.startIndex, !setting.contains("\n") else {
                throw PackagesError(
                    package: setting, operation: "configure apt",
                    message: "expected an apt setting as Key=Value, such as Acquire::Retries=0")
            }
            arguments += ["-o", setting]
        }
        return arguments
    }

    /// Host configuration may hook commands to `apt-get update` and dpkg runs; Debian's container
    /// images, for one, delete /var/cache/apt/archives/*.deb after every update. Those act on the
    /// host, so a private run clears them.
    static let hookReset = """
        #clear APT::Update::Pre-Invoke;
        #clear APT::Update::Post-Invoke;
        #clear APT::Update::Post-Invoke-Success;
        #clear DPkg::Pre-Invoke;
        #clear DPkg::Post-Invoke;
        #clear DPkg::Pre-Install-Pkgs;

        """

    /// Runs apt-get with the private state and an English, non-interactive environment (its
    /// messages are parsed).
    func runAptGet(
        _ arguments: [String], lists: String, directory: String? = nil, onLine: (String) -> Void = { _ in }
    ) throws -> SubprocessResult {
        try Subprocess.run(
            options.aptGet, try aptArguments(lists: lists) + arguments, directory: directory,
            environment: ["LC_ALL": "C.UTF-8", "LANGUAGE": "", "DEBIAN_FRONTEND": "noninteractive"],
            onLine: onLine)
    }

    /// Holds the state directory's lock while `body` runs: shared for readers of the lists,
    /// exclusive for a refresh, so a second build never reads half-written lists.
    func withLock<T>(exclusive: Bool, _ body: () throws -> T) throws -> T {
        try createDirectory(stateDirectory)
        let path = "\(stateDirectory)/lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw PackagesError(
                package: path, operation: "lock", message: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        while flock(descriptor, exclusive ? LOCK_EX : LOCK_SH) != 0 {
            guard errno == EINTR else {
                throw PackagesError(package: path, operation: "lock", message: String(cString: strerror(errno)))
            }
        }
        return try body()
    }

    func createDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw PackagesError(
                package: path, operation: "create apt state", message: PackageCache.unwritable(path, error))
        }
    }

    func writeIfChanged(_ path: String, _ text: String) throws {
        try writeIfChanged(path, Data(text.utf8))
    }

    func writeIfChanged(_ path: String, _ data: Data) throws {
        if let existing = FileManager.default.contents(atPath: path), existing == data { return }
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw PackagesError(package: path, operation: "create apt state", message: error.localizedDescription)
        }
    }
}
