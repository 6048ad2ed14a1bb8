// Fetching the body behind an http:// or https:// resource, with redirects. `ResourceLoader` retries
// failures and decodes, decompresses and verifies what comes back.
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
