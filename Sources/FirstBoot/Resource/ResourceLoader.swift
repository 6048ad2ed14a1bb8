// Turning a config `Resource` into verified bytes: data: URLs checked (and decoded as they are
// read), http(s) fetched with Ignition's retry policy, gzip decompressed, then the hash checked
// against the decompressed bytes. Schemes we cannot fetch fail with an "unsupported scheme" error
// that says what to use.

/// Loads config resources: fetch, retry, decompress, verify.
public struct ResourceLoader: Sendable {
    public var fetcher: any ResourceFetcher
    public var timeouts: Timeouts
    /// How long to keep retrying a failing fetch when the config sets no `httpTotal`; nil retries
    /// forever (the image waits for the network, as Ignition does).
    public var defaultTotalSeconds: Double?
    /// The config's version, which decides which hash functions are accepted.
    public var version: SpecVersion

    public init(
        fetcher: any ResourceFetcher = StandardFetcher(), timeouts: Timeouts = Timeouts(),
        defaultTotalSeconds: Double? = 60, version: SpecVersion = .latest
    ) {
        self.fetcher = fetcher
        self.timeouts = timeouts
        self.defaultTotalSeconds = defaultTotalSeconds
        self.version = version
    }

    /// The verified bytes of `resource`, in memory (configs, certificate bundles); `subject` names
    /// the config entry in errors. Files are streamed with `fetch` instead.
    public func load(_ resource: Resource, subject: String) throws(FirstBootError) -> [UInt8] {
        var bytes: [UInt8] = []
        try fetch(resource, subject: subject).stream(subject: subject) { chunk throws(FirstBootError) in
            bytes += chunk
        }
        return bytes
    }

    /// `resource` fetched (http) or checked (data:) but not yet decompressed or verified: streaming
    /// the result does that.
    func fetch(_ resource: Resource, subject: String) throws(FirstBootError) -> LoadedResource {
        guard let source = resource.source else { return LoadedResource(body: .bytes([]), source: "") }
        var hash: HashSpec?
        if let text = resource.verification.hash {
            switch HashSpec.parse(text, version: version) {
            case .failure(let failure): throw FirstBootError("verify", subject, "\(text): \(failure)")
            case .success(let spec): hash = spec
            }
        }
        return LoadedResource(
            body: try body(source, headers: resource.httpHeaders, subject: subject),
            gzip: resource.compression == "gzip",
            hash: hash, source: source)
    }

    private func body(_ source: String, headers: [HTTPHeader], subject: String) throws(FirstBootError)
        -> LoadedResource.Body
    {
        if source.isEmpty { return .bytes([]) }
        guard let url = ResourceURL(source) else {
            throw FirstBootError("fetch", subject, "unable to parse url \"\(LoadedResource.shown(source))\"")
        }
        switch url.scheme {
        case "data":
            switch DataURLPayload.parse(source) {
            case .success(let payload): return .dataURL(payload)
            case .failure(let failure): throw FirstBootError("fetch", subject, "bad data: URL: \(failure)")
            }
        case "http", "https":
            return .bytes(try fetchWithRetries(source, headers: headers, subject: subject))
        default:
            throw FirstBootError(
                "fetch", subject,
                "unsupported scheme \"\(url.scheme)\" in \(source): slipway fetches data:, http: and https: sources; "
                    + "publish the resource over http(s) or inline it as a data: URL")
        }
    }

    /// Ignition's policy: retry failures with a backoff that starts at 100 ms and doubles up to 5 s,
    /// until `httpTotal` seconds have passed (0 or unset: `defaultTotalSeconds`).
    private func fetchWithRetries(_ source: String, headers: [HTTPHeader], subject: String) throws(FirstBootError)
        -> [UInt8]
    {
        let total = timeouts.httpTotal.flatMap { $0 > 0 ? Double($0) : nil } ?? defaultTotalSeconds
        let start = Clock.now
        var delay = 0.1
        let pairs = headers.compactMap { header in header.value.map { (name: header.name, value: $0) } }
        while true {
            do {
                return try fetcher.get(source, headers: pairs, timeouts: timeouts)
            } catch {
                let elapsed = Clock.now - start
                if error.permanent || (total.map { elapsed + delay > $0 } ?? false) {
                    throw FirstBootError("fetch", subject, "\(source): \(error.message)")
                }
            }
            Clock.sleep(seconds: delay)
            delay = min(delay * 2, 5)
        }
    }
}
