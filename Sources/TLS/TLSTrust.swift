// What a TLS client trusts: a system bundle of certificate authorities and extra PEM certificates.
// Kept as plain values (paths and bytes) so it can be passed around and extended freely; the
// OpenSSL store is built from it for each connection.
internal import COpenSSL

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The trust anchors a `TLSStream` verifies servers against.
public struct TLSTrust: Sendable, Equatable {
    /// Where the system's certificate authorities come from.
    public enum SystemAnchors: Sendable, Equatable {
        /// OpenSSL's default locations on this machine (`SSL_CTX_set_default_verify_paths`).
        case openSSLDefaults
        /// A PEM bundle file, such as `/etc/ssl/certs/ca-certificates.crt` of a mounted root; a
        /// missing file means no system anchors.
        case bundle(path: String)
        case none
    }

    public var system: SystemAnchors
    /// Further PEM-encoded certificates (each element may hold several), trusted as roots.
    public var authorities: [[UInt8]]

    public init(system: SystemAnchors, authorities: [[UInt8]] = []) {
        self.system = system
        self.authorities = authorities
    }

    /// This trust with the PEM certificates in `pem` added.
    public func adding(_ pem: [UInt8]) -> TLSTrust {
        var copy = self
        copy.authorities.append(pem)
        return copy
    }

    /// The number of certificates in a PEM bundle, or an error naming what is wrong with it.
    public static func certificateCount(inPEM pem: [UInt8]) -> Result<Int, TLSError> {
        guard let store = X509_STORE_new() else { return .failure(TLSError(.setup, "out of memory")) }
        defer { X509_STORE_free(store) }
        ERR_clear_error()
        let added = pem.withUnsafeBytes { slipway_store_add_pem(store, $0.baseAddress, Int32($0.count)) }
        if added < 0 {
            return .failure(TLSError(.setup, "not a PEM certificate bundle: \(TLSError.openSSLReason())"))
        }
        if added == 0 {
            return .failure(
                TLSError(.setup, "no certificate in it: expected PEM blocks \"-----BEGIN CERTIFICATE-----\""))
        }
        return .success(Int(added))
    }

    /// Fills `context`'s certificate store.
    func install(in context: OpaquePointer) throws(TLSError) {
        switch system {
        case .openSSLDefaults:
            // Missing default locations are not an error: the store just stays empty.
            _ = SSL_CTX_set_default_verify_paths(context)
        case .bundle(let path):
            if access(path, F_OK) == 0 && SSL_CTX_load_verify_file(context, path) != 1 {
                throw TLSError(.setup, "cannot load the certificate bundle \(path): \(TLSError.openSSLReason())")
            }
        case .none: break
        }
        guard let store = SSL_CTX_get_cert_store(context) else { throw TLSError(.setup, "no certificate store") }
        for pem in authorities {
            let added = pem.withUnsafeBytes { slipway_store_add_pem(store, $0.baseAddress, Int32($0.count)) }
            if added <= 0 {
                throw TLSError(.setup, "a certificate authority is not a PEM certificate bundle")
            }
        }
        ERR_clear_error()
    }
}
