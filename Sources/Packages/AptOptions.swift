// How apt is run: which architecture, which package lists, sources and keys, which apt-get binary.

/// Settings for resolving and downloading packages with apt under a private state.
public struct AptOptions: Sendable, Equatable {
    /// Debian architecture of the image ("amd64", "arm64"). Packages of architecture `all` are
    /// always accepted alongside it.
    public var architecture: String
    /// The host's package lists, read and never written. When they hold no index for
    /// `architecture` (an empty or foreign host), a private copy is refreshed automatically.
    public var hostListsDirectory: String
    /// Repository lines in sources.list one-line form (`deb [signed-by=...] URI SUITE COMPONENT...`),
    /// read together with the host's sources, or instead of them when `includeHostSources` is off.
    /// Custom sources always use private lists, refreshed on first use.
    public var sources: [String]
    /// Whether apt reads the host's sources (`sources.list` and `sources.list.d/`, one-line and
    /// deb822 files, in `hostAptConfigurationDirectory`) and trusts the host's keys. Off, only
    /// `sources` are used and only `keyrings` (and each source's own `signed-by`) are trusted.
    public var includeHostSources: Bool
    /// OpenPGP keyring files (binary as `gpg --export` writes them, or ASCII-armored) trusted for
    /// every source that names no `signed-by` key of its own.
    public var keyrings: [String]
    /// Install Recommends too. Off by default: an image holds what its profile names and what that needs.
    public var installRecommends: Bool
    /// The apt-get program: a path, or a name looked up on PATH.
    public var aptGet: String
    /// More apt settings as `Key=Value` (`Acquire::http::Proxy=http://proxy:3128`,
    /// `Acquire::Retries=0`), passed with `-o` after slipway's own, so they can override them.
    public var settings: [String]
    /// The host's apt configuration directory, where its sources and trusted keys are. A kept
    /// resolution is reused only while nothing in it has changed.
    public var hostAptConfigurationDirectory: String

    public init(
        architecture: String = "amd64", hostListsDirectory: String = "/var/lib/apt/lists",
        sources: [String] = [], includeHostSources: Bool = true, keyrings: [String] = [],
        installRecommends: Bool = false, aptGet: String = "apt-get", settings: [String] = [],
        hostAptConfigurationDirectory: String = "/etc/apt"
    ) {
        self.architecture = architecture
        self.hostListsDirectory = hostListsDirectory
        self.sources = sources
        self.includeHostSources = includeHostSources
        self.keyrings = keyrings
        self.installRecommends = installRecommends
        self.aptGet = aptGet
        self.settings = settings
        self.hostAptConfigurationDirectory = hostAptConfigurationDirectory
    }

    /// Whether apt reads sources other than exactly the host's. The host's lists then do not
    /// cover them, so only private lists are used.
    var hasCustomSources: Bool { !sources.isEmpty || !includeHostSources }

    /// Whether apt trusts keys other than exactly the host's.
    var hasCustomTrust: Bool { !keyrings.isEmpty || !includeHostSources }

    /// What apt reads packages from, for messages.
    var sourcesDescription: String {
        switch (includeHostSources, sources.isEmpty) {
        case (true, true): "host sources"
        case (true, false): "host and custom sources"
        case (false, _): "custom sources"
        }
    }
}
