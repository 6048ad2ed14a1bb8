// How apt is run: which architecture, which package lists and sources, which apt-get binary.

/// Settings for resolving and downloading packages with apt under a private state.
public struct AptOptions: Sendable, Equatable {
    /// Debian architecture of the image ("amd64", "arm64"). Packages of architecture `all` are
    /// always accepted alongside it.
    public var architecture: String
    /// The host's package lists, read and never written. When they hold no index for
    /// `architecture` (an empty or foreign host), a private copy is refreshed automatically.
    public var hostListsDirectory: String
    /// Where apt reads the host's configuration (sources, preferences, apt.conf.d): a kept
    /// resolution is reused only while nothing in it has changed. Tests point it elsewhere.
    var hostAptConfigurationDirectory = "/etc/apt"
    /// Repository lines in sources.list one-line form (`deb [signed-by=...] URI SUITE COMPONENT...`).
    /// `nil` uses the host's sources (/etc/apt/sources.list and sources.list.d), which is the default.
    /// Custom sources always use private lists, refreshed on first use.
    public var sources: [String]?
    /// Install Recommends too. Off by default: an image holds what its profile names and what that needs.
    public var installRecommends: Bool
    /// The apt-get program: a path, or a name looked up on PATH.
    public var aptGet: String
    /// More apt settings as `Key=Value` (`Acquire::http::Proxy=http://proxy:3128`,
    /// `Acquire::Retries=0`), passed with `-o` after slipway's own, so they can override them.
    public var settings: [String]

    public init(
        architecture: String = "amd64", hostListsDirectory: String = "/var/lib/apt/lists",
        sources: [String]? = nil, installRecommends: Bool = false, aptGet: String = "apt-get",
        settings: [String] = []
    ) {
        self.architecture = architecture
        self.hostListsDirectory = hostListsDirectory
        self.sources = sources
        self.installRecommends = installRecommends
        self.aptGet = aptGet
        self.settings = settings
    }
}
