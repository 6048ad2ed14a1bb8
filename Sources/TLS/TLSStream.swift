// A verified TLS client connection over a connected, non-blocking socket, with OpenSSL: TLS 1.2 or
// newer, SNI, the server's name (or IP address) checked against its certificate, the chain checked
// against a `TLSTrust`. Every call takes an absolute deadline (CLOCK_MONOTONIC seconds) and polls
// the socket while OpenSSL wants to read or write.
internal import COpenSSL

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// One TLS session on a socket the caller owns (and closes after this is gone).
public final class TLSStream {
    private let fd: Int32
    private let host: String
    private let context: OpaquePointer
    private let ssl: OpaquePointer

    /// Prepares a session with the server `host` (a DNS name, or an IPv4/IPv6 address without
    /// brackets) on the connected socket `fd`; `handshake` starts it.
    public init(fd: Int32, host: String, trust: TLSTrust) throws(TLSError) {
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw TLSError(.setup, "cannot create a TLS context: \(TLSError.openSSLReason())")
        }
        // A session copies the context's settings when it is made: configure the context first.
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        _ = slipway_ssl_ctx_set_min_tls12(context)
        slipway_ssl_ctx_ignore_unexpected_eof(context)
        do {
            try trust.install(in: context)
        } catch {
            SSL_CTX_free(context)
            throw error
        }
        guard let ssl = SSL_new(context) else {
            SSL_CTX_free(context)
            throw TLSError(.setup, "cannot create a TLS session: \(TLSError.openSSLReason())")
        }
        self.fd = fd
        self.host = host
        self.context = context
        self.ssl = ssl
        var address = in6_addr()
        let isAddress = inet_pton(AF_INET, host, &address) == 1 || inet_pton(AF_INET6, host, &address) == 1
        if isAddress {
            // RFC 6066: no SNI for addresses; the certificate must name the address (IP SAN).
            guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1 else {
                throw TLSError(.setup, "cannot check the server's certificate against \(host)")
            }
        } else {
            SSL_set_hostflags(ssl, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
            guard SSL_set1_host(ssl, host) == 1, slipway_ssl_set_sni(ssl, host) == 1 else {
                throw TLSError(.setup, "cannot check the server's certificate against \"\(host)\"")
            }
        }
        guard SSL_set_fd(ssl, fd) == 1 else {
            throw TLSError(.setup, "cannot attach the TLS session to the socket: \(TLSError.openSSLReason())")
        }
    }

    deinit {
        SSL_free(ssl)
        SSL_CTX_free(context)
    }

    /// Runs the handshake, verifying the server's certificate.
    public func handshake(deadline: Double) throws(TLSError) {
        while true {
            ERR_clear_error()
            let result = SSL_connect(ssl)
            if result == 1 { return }
            let verify = SSL_get_verify_result(ssl)
            if verify != X509_V_OK {
                throw TLSError(.verification(code: verify), "certificate verify failed: \(reason(verify))")
            }
            try proceed(after: result, deadline: deadline, kind: .handshake, doing: "TLS handshake failed")
        }
    }

    /// Sends all of `bytes`.
    public func write(_ bytes: [UInt8], deadline: Double) throws(TLSError) {
        var offset = 0
        while offset < bytes.count {
            ERR_clear_error()
            let written = bytes[offset...].withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
            if written > 0 {
                offset += Int(written)
                continue
            }
            try proceed(after: written, deadline: deadline, kind: .io, doing: "cannot send over TLS")
        }
    }

    /// Reads what is available, up to 64 KiB; an empty result means the server closed the session.
    public func read(deadline: Double) throws(TLSError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            ERR_clear_error()
            let count = buffer.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
            if count > 0 { return Array(buffer[0..<Int(count)]) }
            let error = SSL_get_error(ssl, count)
            if error == SSL_ERROR_ZERO_RETURN || (error == SSL_ERROR_SYSCALL && errno == 0) { return [] }
            try proceed(after: count, deadline: deadline, kind: .io, doing: "cannot read over TLS")
        }
    }

    /// Waits for the socket when OpenSSL asks to, or throws the failure of the call that returned `result`.
    private func proceed(after result: Int32, deadline: Double, kind: TLSError.Kind, doing: String)
        throws(TLSError)
    {
        let error = SSL_get_error(ssl, result)
        switch error {
        case SSL_ERROR_WANT_READ: try wait(Int16(POLLIN), until: deadline)
        case SSL_ERROR_WANT_WRITE: try wait(Int16(POLLOUT), until: deadline)
        case SSL_ERROR_SYSCALL:
            let code = errno
            if ERR_peek_error() != 0 { throw TLSError(kind, "\(doing): \(TLSError.openSSLReason())") }
            if code == EINTR { return }
            throw TLSError(
                kind,
                code == 0
                    ? "\(doing): the server closed the connection"
                    : "\(doing): \(String(cString: strerror(code)))")
        default:
            throw TLSError(kind, "\(doing): \(TLSError.openSSLReason())")
        }
    }

    private func wait(_ events: Int16, until deadline: Double) throws(TLSError) {
        while true {
            let remaining = deadline - Self.now
            guard remaining > 0 else { throw TLSError(.timeout, "timed out waiting for the server") }
            var poller = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&poller, 1, Int32(max(1, min(remaining, 3600) * 1000)))
            if ready > 0 { return }
            if ready < 0 && errno != EINTR {
                throw TLSError(.io, "cannot wait for the server: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// OpenSSL's text for a verification result, with the server's name where it did not match.
    private func reason(_ code: Int) -> String {
        let text = X509_verify_cert_error_string(code).map { String(cString: $0) } ?? "error \(code)"
        switch Int32(code) {
        case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH:
            return "\(text): the certificate is not issued for \(host)"
        default: return text
        }
    }

    /// Monotonic seconds, the clock of every deadline.
    public static var now: Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
