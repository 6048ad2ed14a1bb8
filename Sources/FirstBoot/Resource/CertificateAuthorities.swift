// `ignition.security.tls.certificateAuthorities`: each entry is a resource (data:, http(s), with
// compression and verification like any other) holding PEM certificates, which https:// fetches
// then trust in addition to the system's. As in Ignition, a CA that cannot be fetched or holds no
// certificate fails the config; each one is fetched trusting the entries before it.
import TLS

extension ResourceLoader {
    /// This loader with the certificate authorities of `config` fetched, checked and trusted.
    public func trustingAuthorities(of config: Config) throws(FirstBootError) -> ResourceLoader {
        var loader = self
        for (index, authority) in config.ignition.security.tls.certificateAuthorities.enumerated() {
            let subject = "$.ignition.security.tls.certificateAuthorities.\(index)"
            let pem = try loader.load(authority, subject: subject)
            if case .failure(let error) = TLSTrust.certificateCount(inPEM: pem) {
                throw FirstBootError("load certificate authority", subject, "\(authority.source ?? ""): \(error)")
            }
            loader.fetcher = loader.fetcher.trusting(pem)
        }
        return loader
    }
}
