// The OCI distribution API, the part a cache needs: blobs by digest (HEAD, GET streamed to a file
// and verified before it is renamed into place, monolithic upload: POST then PUT ?digest=) and
// manifests by tag (GET, HEAD, PUT). Authentication follows the registry's challenge
// (RegistryAuthentication.swift).
import FileHashing
public import Foundation
import Hashing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A client for one repository of one registry.
public final class RegistryClient: Sendable {
    public let reference: RegistryReference
    let transport: HTTPTransport
    let credentials: RegistryCredentials?
    /// The last Authorization header that worked (a Bearer token or Basic credentials).
    private let authorization = Locked<String?>(nil)

    public static let manifestType = "application/vnd.oci.image.manifest.v1+json"

    /// - Parameters:
    ///   - credentials: `USER:PASSWORD` (SLIPWAY_CACHE_REGISTRY_AUTH), or nil for anonymous access.
    ///   - timeout: seconds a request may wait for the registry before it counts as unreachable.
    public init(reference: RegistryReference, credentials: String? = nil, timeout: TimeInterval = 20) {
        self.reference = reference
        self.credentials = RegistryCredentials(environment: credentials)
        transport = HTTPTransport(timeout: timeout)
    }

    /// Whether the repository holds the blob.
    public func blobExists(_ digest: String) throws -> Bool {
        let response = try request("HEAD", "/blobs/\(digest)", operation: "look up blob", subject: digest)
        return try present(response, operation: "look up blob", subject: digest)
    }

    /// Downloads the blob into `path` when its bytes hash to `digest`; false when the registry has
    /// no such blob. The bytes land in a temporary file beside `path` and are renamed into place
    /// only after their SHA-256 matched, so `path` never holds unverified bytes.
    public func pullBlob(_ digest: String, to path: String) throws -> Bool {
        try Self.checkDigest(digest)
        let temporary = "\(path).\(getpid()).\(UUID().uuidString.prefix(8)).part"
        defer { unlink(temporary) }
        let response = try request(
            "GET", "/blobs/\(digest)", download: temporary, operation: "pull blob", subject: digest)
        guard try present(response, operation: "pull blob", subject: digest) else { return false }
        let actual: String
        do {
            actual = "sha256:" + (try FileHashing.sha256Hex(ofFile: temporary))
        } catch {
            throw RegistryError(operation: "pull blob", subject: digest, reason: "cannot read the download: \(error)")
        }
        guard actual == digest else {
            throw RegistryError(
                operation: "pull blob", subject: digest,
                reason: "the registry sent bytes with digest \(actual); refused",
                isFatal: false)
        }
        guard rename(temporary, path) == 0 else {
            throw RegistryError(
                operation: "pull blob", subject: digest,
                reason: "cannot move it to \(path): \(String(cString: strerror(errno)))", isFatal: false)
        }
        return true
    }

    /// A small blob (a config, a resolution) in memory, verified by digest; nil when missing.
    public func blobData(_ digest: String) throws -> Data? {
        try Self.checkDigest(digest)
        let response = try request("GET", "/blobs/\(digest)", operation: "pull blob", subject: digest)
        guard try present(response, operation: "pull blob", subject: digest) else { return nil }
        let actual = "sha256:" + SHA256.hexDigest(Array(response.body))
        guard actual == digest else {
            throw RegistryError(
                operation: "pull blob", subject: digest,
                reason: "the registry sent bytes with digest \(actual); refused",
                isFatal: false)
        }
        return response.body
    }

    /// Uploads the file as the blob `digest` unless the registry has it already.
    public func pushBlob(file path: String, digest: String) throws {
        try upload(digest: digest, body: .file(path))
    }

    /// Uploads `data` as a blob unless the registry has it; returns its digest.
    @discardableResult
    public func pushBlob(_ data: Data) throws -> String {
        let digest = "sha256:" + SHA256.hexDigest(Array(data))
        try upload(digest: digest, body: .bytes(data))
        return digest
    }

    /// The manifest tagged `tag`, or nil when there is none.
    public func manifest(tag: String) throws -> Data? {
        let response = try request(
            "GET", "/manifests/\(tag)", headers: ["Accept": Self.manifestType], operation: "pull manifest",
            subject: tag)
        guard try present(response, operation: "pull manifest", subject: tag) else { return nil }
        // The registry names the manifest's digest; bytes that do not hash to it were damaged on the way.
        if let named = response.header("Docker-Content-Digest"), named.hasPrefix("sha256:") {
            let actual = "sha256:" + SHA256.hexDigest(Array(response.body))
            guard actual == named else {
                throw RegistryError(
                    operation: "pull manifest", subject: tag, reason: "its bytes hash to \(actual), not \(named)",
                    isFatal: false)
            }
        }
        return response.body
    }

    /// Whether a manifest is tagged `tag`.
    public func manifestExists(tag: String) throws -> Bool {
        let response = try request(
            "HEAD", "/manifests/\(tag)", headers: ["Accept": Self.manifestType], operation: "look up manifest",
            subject: tag)
        return try present(response, operation: "look up manifest", subject: tag)
    }

    /// Stores `manifest` under `tag` (its blobs must be pushed first).
    public func putManifest(_ manifest: Data, tag: String) throws {
        let response = try request(
            "PUT", "/manifests/\(tag)", headers: ["Content-Type": Self.manifestType], body: .bytes(manifest),
            operation: "push manifest", subject: tag)
        guard response.status == 201 || response.status == 200 else {
            throw unexpected(response, operation: "push manifest", subject: tag)
        }
    }

    /// The repository's tags (GET /v2/REPO/tags/list), sorted.
    public func tags() throws -> [String] {
        let response = try request("GET", "/tags/list", operation: "list tags", subject: reference.repository)
        guard try present(response, operation: "list tags", subject: reference.repository) else { return [] }
        struct TagList: Decodable { var tags: [String]? }
        let list = try? JSONDecoder().decode(TagList.self, from: response.body)
        return (list?.tags ?? []).sorted()
    }

    // MARK: - Requests

    private func upload(digest: String, body: HTTPTransport.RequestBody) throws {
        try Self.checkDigest(digest)
        if try blobExists(digest) { return }
        let started = try request(
            "POST", "/blobs/uploads/", body: .bytes(Data()), operation: "push blob", subject: digest)
        guard started.status == 202, let location = started.header("Location"),
            let base = reference.url("/"), let uploadURL = URL(string: location, relativeTo: base)?.absoluteURL,
            var components = URLComponents(url: uploadURL, resolvingAgainstBaseURL: true)
        else {
            throw unexpected(started, operation: "push blob", subject: digest)
        }
        components.queryItems = (components.queryItems ?? []) + [URLQueryItem(name: "digest", value: digest)]
        guard let url = components.url else { throw unexpected(started, operation: "push blob", subject: digest) }
        let finished = try request(
            "PUT", url: url, headers: ["Content-Type": "application/octet-stream"], body: body,
            operation: "push blob", subject: digest)
        guard finished.status == 201 else { throw unexpected(finished, operation: "push blob", subject: digest) }
    }

    private func request(
        _ method: String, _ path: String, headers: [String: String] = [:], body: HTTPTransport.RequestBody = .none,
        download: String? = nil, operation: String, subject: String
    ) throws -> HTTPResponse {
        guard let url = reference.url(path) else {
            throw RegistryError(operation: operation, subject: subject, reason: "cannot form a URL for \(path)")
        }
        return try request(
            method, url: url, headers: headers, body: body, download: download, operation: operation, subject: subject)
    }

    /// Sends the request, answering one authentication challenge when the registry makes it.
    private func request(
        _ method: String, url: URL, headers: [String: String] = [:], body: HTTPTransport.RequestBody = .none,
        download: String? = nil, operation: String, subject: String
    ) throws -> HTTPResponse {
        func send(_ authorization: String?) throws -> HTTPResponse {
            var request = URLRequest(url: url)
            request.httpMethod = method
            for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
            if let authorization { request.setValue(authorization, forHTTPHeaderField: "Authorization") }
            do {
                if let download { return try transport.download(request, to: download) }
                return try transport.send(request, body: body)
            } catch var error as RegistryError {
                error.operation = operation
                error.subject = "\(subject) (\(method) \(url.absoluteString))"
                throw error
            }
        }
        let response = try send(authorization.value)
        guard response.status == 401 else { return response }
        guard let header = response.header("WWW-Authenticate"), let challenge = AuthenticationChallenge(header: header)
        else { return response }
        let answer = try self.answer(challenge, operation: operation, subject: subject)
        authorization.value = answer
        return try send(answer)
    }

    /// The Authorization header that answers `challenge`.
    private func answer(_ challenge: AuthenticationChallenge, operation: String, subject: String) throws -> String {
        if challenge.scheme == "basic" {
            guard let credentials else {
                throw RegistryError(
                    operation: operation, subject: subject,
                    reason: "the registry asks for a user and password: set SLIPWAY_CACHE_REGISTRY_AUTH=USER:PASSWORD")
            }
            return credentials.basicHeader
        }
        guard let tokenURL = challenge.tokenURL else {
            throw RegistryError(
                operation: operation, subject: subject,
                reason: "the registry asks for \(challenge.scheme) authentication slipway does not speak")
        }
        var request = URLRequest(url: tokenURL)
        if let credentials { request.setValue(credentials.basicHeader, forHTTPHeaderField: "Authorization") }
        let response = try transport.send(request)
        guard response.status == 200, let token = try? JSONDecoder().decode(TokenResponse.self, from: response.body),
            let value = token.value, !value.isEmpty
        else {
            throw RegistryError(
                operation: operation, subject: subject,
                reason: "the token server \(tokenURL.absoluteString) answered \(response.status) without a token"
                    + (credentials == nil ? " (no SLIPWAY_CACHE_REGISTRY_AUTH set)" : ""))
        }
        return "Bearer \(value)"
    }

    /// true for 200, false for 404; anything else is the registry misbehaving.
    private func present(_ response: HTTPResponse, operation: String, subject: String) throws -> Bool {
        switch response.status {
        case 200: return true
        case 404: return false
        default: throw unexpected(response, operation: operation, subject: subject)
        }
    }

    private func unexpected(_ response: HTTPResponse, operation: String, subject: String) -> RegistryError {
        // The registry's error body ({"errors": [{"code", "message"}]}) says why; keep it short.
        let text = String(decoding: response.body.prefix(200), as: UTF8.self)
            .replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces)
        return RegistryError(
            operation: operation, subject: subject,
            reason: "HTTP \(response.status)" + (text.isEmpty ? "" : ": \(text)"))
    }

    static func checkDigest(_ digest: String) throws {
        let hex = digest.dropFirst("sha256:".count)
        guard digest.hasPrefix("sha256:"), hex.count == 64, hex.allSatisfy({ $0.isHexDigit && !$0.isUppercase })
        else {
            throw RegistryError(
                operation: "check digest", subject: digest, reason: "expected sha256: and 64 lower-case hex digits",
                isFatal: false)
        }
    }
}

/// A value shared between threads behind a lock.
final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    init(_ value: Value) { stored = value }

    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }

    func update<T>(_ body: (inout Value) -> T) -> T { lock.withLock { body(&stored) } }
}
