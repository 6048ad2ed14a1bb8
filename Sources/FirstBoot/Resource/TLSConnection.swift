// https:// for HTTPClient: a TLS session (the TLS module, over OpenSSL) on a connected socket, its
// failures turned into FirstBootErrors that say what to change. A certificate that is not accepted
// is reported under `HTTPClient.certificateOperation` so fetchers do not retry it.
import TLS

/// A verified TLS session on a `Socket`, as a `ByteStream`.
final class TLSConnection: ByteStream {
    private let socket: Socket
    private let session: TLSStream

    /// Connects TLS on `socket` and verifies the server as `host` before returning.
    init(socket: Socket, host: String, trust: TLSTrust, deadline: Double, subject: String) throws(FirstBootError) {
        self.socket = socket
        do {
            session = try TLSStream(fd: socket.fd, host: host, trust: trust)
            try session.handshake(deadline: deadline)
        } catch {
            throw TLSConnection.failure(error, subject: subject)
        }
    }

    func send(_ bytes: [UInt8], subject: String) throws(FirstBootError) {
        do {
            try session.write(bytes, deadline: Clock.now + socket.timeout)
        } catch {
            throw TLSConnection.failure(error, subject: subject)
        }
    }

    func receive(until deadline: Double, subject: String) throws(FirstBootError) -> [UInt8] {
        do {
            return try session.read(deadline: deadline)
        } catch {
            throw TLSConnection.failure(error, subject: subject)
        }
    }

    /// The library's error, with what to do for an unknown issuer.
    static func failure(_ error: TLSError, subject: String) -> FirstBootError {
        switch error.kind {
        case .verification:
            let hint =
                error.isUntrustedIssuer
                ? " (add its CA to ignition.security.tls.certificateAuthorities)" : ""
            return FirstBootError(HTTPClient.certificateOperation, subject, error.message + hint)
        case .timeout:
            return FirstBootError("fetch", subject, "timed out waiting for the server")
        case .handshake, .io, .setup:
            return FirstBootError("fetch", subject, error.message)
        }
    }
}
