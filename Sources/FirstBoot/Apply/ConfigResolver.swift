// `ignition.config.replace` and `ignition.config.merge`: fetch the referenced configs (each one
// validated like the first), resolve their own references depth first, and merge them in order.

/// Resolves config references into one config.
public struct ConfigResolver: Sendable {
    public var fetcher: any ResourceFetcher
    public var defaultTotalSeconds: Double?
    /// Deepest chain of references followed; a loop of configs referencing each other stops here.
    public static let maximumDepth = 10

    public init(fetcher: any ResourceFetcher = StandardFetcher(), defaultTotalSeconds: Double? = 60) {
        self.fetcher = fetcher
        self.defaultTotalSeconds = defaultTotalSeconds
    }

    /// `config` with its replacement followed and its merge children merged in; the result has no
    /// references left. Warnings of fetched configs are returned with their source.
    public func resolve(_ config: Config, warnings: inout [String], depth: Int = 0) throws(FirstBootError) -> Config {
        guard depth < ConfigResolver.maximumDepth else {
            throw FirstBootError(
                "resolve config", "$.ignition.config",
                "configs reference each other more than \(ConfigResolver.maximumDepth) levels deep; is there a loop?")
        }
        let references = config.ignition.config
        guard references.replace.source != nil || !references.merge.isEmpty else {
            var plain = config
            plain.ignition.config = IgnitionConfig()
            return plain
        }
        // Referenced configs, and theirs, are fetched trusting this config's certificate authorities.
        let loader = try ResourceLoader(
            fetcher: fetcher, timeouts: config.ignition.timeouts, defaultTotalSeconds: defaultTotalSeconds,
            version: config.version ?? .latest
        ).trustingAuthorities(of: config)
        let inner = ConfigResolver(fetcher: loader.fetcher, defaultTotalSeconds: defaultTotalSeconds)
        if references.replace.source != nil {
            let replacement = try fetchConfig(
                references.replace, loader: loader, subject: "$.ignition.config.replace", warnings: &warnings)
            return try inner.resolve(replacement, warnings: &warnings, depth: depth + 1)
        }
        var result = config
        result.ignition.config = IgnitionConfig()
        for (index, reference) in references.merge.enumerated() {
            let subject = "$.ignition.config.merge.\(index)"
            let child = try inner.resolve(
                try fetchConfig(reference, loader: loader, subject: subject, warnings: &warnings), warnings: &warnings,
                depth: depth + 1)
            result = result.merged(with: child)
        }
        result.ignition.config = IgnitionConfig()
        return result
    }

    private func fetchConfig(_ reference: Resource, loader: ResourceLoader, subject: String, warnings: inout [String])
        throws(FirstBootError) -> Config
    {
        let bytes = try loader.load(reference, subject: subject)
        let source = reference.source ?? subject
        let (config, configWarnings) = try ConfigParser.parseValid(bytes, source: source)
        warnings += configWarnings.map { "\(source): \($0)" }
        return config
    }
}
