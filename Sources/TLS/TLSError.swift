// The TLS module's one error type, with OpenSSL's own reason text.
internal import COpenSSL

/// A failed TLS operation.
public struct TLSError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The server's certificate was not accepted; `code` is OpenSSL's X509_V_ERR_* value.
        case verification(code: Int)
        /// The handshake failed for another reason (protocol, alert, connection closed).
        case handshake
        /// Reading or writing application data failed.
        case io
        /// A deadline passed.
        case timeout
        /// Building the context failed (bad certificate bundle, out of memory).
        case setup
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    /// Whether the failure is the server's certificate chain lacking a trusted root (as opposed to
    /// an expired certificate or a name mismatch): adding a certificate authority fixes it.
    public var isUntrustedIssuer: Bool {
        guard case .verification(let code) = kind else { return false }
        return [
            X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
            X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
            X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE,
        ].map(Int.init).contains(code)
    }

    /// The reason of the oldest error on OpenSSL's queue (emptying it), e.g. "wrong version number".
    static func openSSLReason() -> String {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return "unknown error" }
        if let reason = ERR_reason_error_string(code) { return String(cString: reason) }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
