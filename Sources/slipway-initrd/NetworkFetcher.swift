// The initrd's resource fetcher: the library's http(s) fetcher, with the network brought up before
// the first network fetch, and https:// servers verified against the certificate authorities of
// the mounted root (its /etc/ssl/certs/ca-certificates.crt, Debian's ca-certificates bundle, when
// the image has one) plus those of the config.
import FirstBoot
import TLS

/// Fetches http(s):// resources, bringing the network up first.
struct NetworkFetcher: ResourceFetcher {
    /// Where Debian's ca-certificates package puts the bundle of every trusted authority.
    static let systemBundle = "/etc/ssl/certs/ca-certificates.crt"

    var network: Network
    var base: StandardFetcher

    /// A fetcher trusting the system bundle of the root mounted at `root`.
    init(network: Network, root: String) {
        self.network = network
        base = StandardFetcher(trust: TLSTrust(system: .bundle(path: root + NetworkFetcher.systemBundle)))
    }

    func trusting(_ pem: [UInt8]) -> any ResourceFetcher {
        var copy = self
        copy.base = StandardFetcher(trust: base.trust.adding(pem))
        return copy
    }

    func get(_ url: String, headers: [(name: String, value: String)], timeouts: Timeouts) throws(FetchFailure)
        -> [UInt8]
    {
        if url.hasPrefix("http://") || url.hasPrefix("https://") {
            do {
                _ = try network.ensureUp()
            } catch let error as InitrdError {
                throw FetchFailure(error.message, permanent: true)
            } catch {
                throw FetchFailure("\(error)", permanent: true)
            }
        }
        return try base.get(url, headers: headers, timeouts: timeouts)
    }
}
