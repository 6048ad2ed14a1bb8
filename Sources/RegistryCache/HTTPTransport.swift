// Blocking HTTP over Foundation's URLSession (libcurl on Linux). URLSession is used rather than the
// project's TLS module because a registry client needs what that module leaves out on purpose:
// redirects (registries hand blob GETs to object storage), chunked responses, proxies from the
// environment and HTTP/2. Every request has a timeout, so a registry that stops answering costs the
// build at most `timeout` seconds before the cache gives up on it.
import Dispatch
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A response: the status, the headers (names in lower case) and the body (empty for downloads).
struct HTTPResponse: Sendable {
    var status: Int
    var headers: [String: String]
    var body: Data

    func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// One URLSession, used from any thread; each call blocks until its response or its timeout.
final class HTTPTransport: Sendable {
    private let session: URLSession
    let timeout: TimeInterval

    init(timeout: TimeInterval) {
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        // A whole transfer may be long (a root image); only silence counts as a hang.
        configuration.timeoutIntervalForResource = 6 * 3600
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        configuration.urlCredentialStorage = nil
        session = URLSession(configuration: configuration, delegate: ChallengeDecliner(), delegateQueue: nil)
    }

    deinit { session.invalidateAndCancel() }

    /// Sends `request` with `body` (bytes or a file) and collects the response body in memory.
    func send(_ request: URLRequest, body: RequestBody = .none) throws -> HTTPResponse {
        let outcome = Outcome()
        let task: URLSessionTask
        let completion: @Sendable (Data?, URLResponse?, (any Error)?) -> Void = { data, response, error in
            outcome.finish(data: data ?? Data(), response: response, error: error)
        }
        switch body {
        case .none: task = session.dataTask(with: request, completionHandler: completion)
        case .bytes(let data): task = session.uploadTask(with: request, from: data, completionHandler: completion)
        case .file(let path):
            task = session.uploadTask(
                with: request, fromFile: URL(fileURLWithPath: path), completionHandler: completion)
        }
        return try outcome.wait(for: task, request: request, timeout: timeout)
    }

    /// GETs `request` into the file `path` (streamed to disk by URLSession, then moved there).
    func download(_ request: URLRequest, to path: String) throws -> HTTPResponse {
        let outcome = Outcome()
        let task = session.downloadTask(with: request) { location, response, error in
            var failure = error
            if let location, error == nil {
                unlink(path)
                do {
                    try FileManager.default.moveItem(at: location, to: URL(fileURLWithPath: path))
                } catch {
                    failure = error
                }
            }
            outcome.finish(data: Data(), response: response, error: failure)
        }
        return try outcome.wait(for: task, request: request, timeout: timeout)
    }

    enum RequestBody {
        case none
        case bytes(Data)
        case file(String)
    }
}

/// The result of one task, handed from URLSession's queue to the waiting thread.
private final class Outcome: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var result: Result<HTTPResponse, any Error>?
    private var task: URLSessionTask?

    func finish(data: Data, response: URLResponse?, error: (any Error)?) {
        lock.withLock {
            // A declined challenge (ChallengeDecliner) ends the task as cancelled, its 401 received.
            let declined = (error as? URLError)?.code == .cancelled ? task?.response as? HTTPURLResponse : nil
            if let error, declined?.statusCode != 401 {
                result = .failure(error)
            } else if let http = declined ?? response as? HTTPURLResponse {
                var headers: [String: String] = [:]
                for (name, value) in http.allHeaderFields {
                    if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
                }
                result = .success(HTTPResponse(status: http.statusCode, headers: headers, body: data))
            } else {
                result = .failure(URLError(.badServerResponse))
            }
        }
        done.signal()
    }

    func wait(for task: URLSessionTask, request: URLRequest, timeout: TimeInterval) throws -> HTTPResponse {
        lock.withLock { self.task = task }
        task.resume()
        // URLSession's own timeout fires first; this one only guards against a lost callback.
        if done.wait(timeout: .now() + timeout * 4) == .timedOut {
            task.cancel()
            throw RegistryError(
                operation: request.httpMethod ?? "GET", subject: request.url?.absoluteString ?? "",
                reason: "no answer in \(Int(timeout * 4)) seconds")
        }
        let outcome = lock.withLock { result }
        switch outcome {
        case .success(let response)?: return response
        case .failure(let error)?:
            throw RegistryError(
                operation: request.httpMethod ?? "GET", subject: request.url?.absoluteString ?? "",
                reason: Self.describe(error))
        case nil:
            throw RegistryError(
                operation: request.httpMethod ?? "GET", subject: request.url?.absoluteString ?? "",
                reason: "no response")
        }
    }

    /// URLError's text without Foundation's boilerplate.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? URLError else { return "\(error)" }
        switch error.code {
        case .cannotConnectToHost: return "connection refused"
        case .timedOut: return "timed out"
        case .cannotFindHost, .dnsLookupFailed: return "host not found"
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
            .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot:
            return "TLS failed: \(error.localizedDescription)"
        case .networkConnectionLost: return "connection lost"
        default: return error.localizedDescription
        }
    }
}

/// Declines the authentication challenges URLSession raises for a 401 with `WWW-Authenticate:
/// Basic`. The registry client answers challenges itself (RegistryAuthentication.swift); left to
/// swift-corelibs-foundation's default handling with no stored credential, such a task is never
/// completed and would hang the build. Declining cancels it, and `Outcome` hands on the 401.
private final class ChallengeDecliner: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(
        _ session: URLSession, task: URLSessionTask, didReceive challenge: URLAuthenticationChallenge,
        completionHandler: @escaping @Sendable (URLSession.AuthChallengeDisposition, URLCredential?) -> Void
    ) {
        completionHandler(.cancelAuthenticationChallenge, nil)
    }
}
