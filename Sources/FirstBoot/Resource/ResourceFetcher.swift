// Turning a config `Resource` into verified bytes: data: URLs decoded in place, http(s) fetched
// with Ignition's retry policy, gzip decompressed, then the hash checked against the decompressed
// bytes. Schemes we cannot fetch fail with an "unsupported scheme" error that says what to use.
public import TLS

/// Fetches the body behind a network URL. `StandardFetcher` speaks http:// and https://; the
/// initrd wraps it to bring the network up first.
public protocol ResourceFetcher: Sendable {
    /// The body of a 2xx response to a GET of `url` (after redirects). `ResourceLoader` retries
    /// every failure that is not `permanent`, with Ignition's backoff.
    func get(_ url: String, headers: [(name: String, value: String)], timeouts: Timeouts) throws(FetchFailure)
        -> [UInt8]

    /// This fetcher, also trusting the PEM certificate authorities in `pem` for https:// (a config's
    /// `ignition.security.tls.certificateAuthorities`).
    func trusting(_ pem: [UInt8]) -> any ResourceFetcher
}

/// A failed fetch; `permanent` failures (4xx, unsupported scheme) are not retried.
public struct FetchFailure: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var permanent: Bool
    public init(_ message: String, permanent: Bool) {
        self.message = message
        self.permanent = permanent
    }
    public var description: String { message }
}

/// HTTP and HTTPS fetching with redirects (custom headers are dropped on redirect, as in Ignition).
/// A server certificate that is not accepted is a permanent failure: retrying cannot fix it.
public struct StandardFetcher: ResourceFetcher {
    /// What https:// servers are verified against.
    public var trust: TLSTrust

    /// A fetcher that trusts OpenSSL's default certificate authorities of this machine.
    public init(trust: TLSTrust = TLSTrust(system: .openSSLDefaults)) {
        self.trust = trust
    }

    public func trusting(_ pem: [UInt8]) -> any ResourceFetcher {
        StandardFetcher(trust: trust.adding(pem))
    }

    public func get(_ url: String, headers: [(name: String, value: String)], timeouts: Timeouts) throws(FetchFailure)
        -> [UInt8]
    {
        var current = url
        var currentHeaders = headers
        for _ in 0..<10 {
            guard let parsed = ResourceURL(current) else {
                throw FetchFailure("unable to parse url \"\(current)\"", permanent: true)
            }
            guard parsed.scheme == "http" || parsed.scheme == "https" else {
                throw FetchFailure(
                    "\(parsed.scheme):// is not supported here: only http://, https:// and data: resources can be "
                        + "fetched; serve the resource over http(s) with a verification hash, or inline it as data:",
                    permanent: true)
            }
            let client = HTTPClient(responseHeaderTimeout: Double(timeouts.httpResponseHeaders ?? 10), trust: trust)
            let response: HTTPResponse
            do {
                response = try client.send(HTTPRequest(url: current, headers: currentHeaders))
            } catch {
                throw FetchFailure(error.message, permanent: error.operation == HTTPClient.certificateOperation)
            }
            switch response.status {
            case 200..<300: return response.body
            case 301, 302, 303, 307, 308:
                guard let location = response.header("Location") else {
                    throw FetchFailure("HTTP \(response.status) without a Location header", permanent: true)
                }
                current = StandardFetcher.resolve(location, against: current)
                currentHeaders = []
            case 500..<600: throw FetchFailure("HTTP status \(response.status)", permanent: false)
            default: throw FetchFailure("HTTP status \(response.status)", permanent: true)
            }
        }
        throw FetchFailure("too many redirects", permanent: true)
    }

    /// A redirect target: absolute URLs as they are, absolute paths on the same host.
    static func resolve(_ location: String, against base: String) -> String {
        if ResourceURL(location).map({ !$0.scheme.isEmpty }) == true { return location }
        guard let url = ResourceURL(base) else { return location }
        if location.hasPrefix("/") { return "\(url.scheme)://\(url.host)\(location)" }
        let directory = url.rawPath.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(
            separator: "/")
        return "\(url.scheme)://\(url.host)\(directory)/\(location)"
    }
}

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

    /// The verified bytes of `resource`; `subject` names the config entry in errors.
    public func load(_ resource: Resource, subject: String) throws(FirstBootError) -> [UInt8] {
        guard let source = resource.source else { return [] }
        var bytes = try raw(source, headers: resource.httpHeaders, subject: subject)
        if resource.compression == "gzip" {
            do {
                bytes = try Gzip.decompress(bytes)
            } catch {
                throw FirstBootError("decompress", subject, "\(source): \(error)")
            }
        }
        if let hash = resource.verification.hash {
            switch HashSpec.parse(hash, version: version) {
            case .failure(let failure): throw FirstBootError("verify", subject, "\(hash): \(failure)")
            case .success(let spec):
                let actual = spec.digest(of: bytes)
                guard actual == spec.hexDigest.lowercased() else {
                    throw FirstBootError(
                        "verify", subject,
                        "\(source): \(spec.function.rawValue) is \(actual), the config expects \(spec.hexDigest); "
                            + "the resource changed or the hash is wrong")
                }
            }
        }
        return bytes
    }

    private func raw(_ source: String, headers: [HTTPHeader], subject: String) throws(FirstBootError) -> [UInt8] {
        if source.isEmpty { return [] }
        guard let url = ResourceURL(source) else {
            throw FirstBootError("fetch", subject, "unable to parse url \"\(source)\"")
        }
        switch url.scheme {
        case "data":
            switch DataURL.decode(source) {
            case .success(let data): return data.bytes
            case .failure(let failure): throw FirstBootError("fetch", subject, "bad data: URL: \(failure)")
            }
        case "http", "https":
            return try fetchWithRetries(source, headers: headers, subject: subject)
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
