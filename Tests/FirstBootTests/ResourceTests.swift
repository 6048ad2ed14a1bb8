// Resources: data: URLs, base64, gzip against gzip(1), hash verification, and http:// fetching
// against a server on 127.0.0.1 (chunked bodies, redirects, retries, permanent failures).
import FirstBoot
import Foundation
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(10))) struct ResourceTests {
    @Test(arguments: [
        ("data:,hello%20world", "hello world"),
        ("data:text/plain;charset=utf-8,caf%C3%A9", "café"),
        ("data:;base64,aGVsbG8=", "hello"),
        ("data:application/octet-stream;base64,", ""),
        ("data:,", ""),
    ])
    func dataURLs(_ url: String, _ expected: String) throws {
        let decoded = try DataURL.decode(url).get()
        #expect(decoded.bytes == Array(expected.utf8))
    }

    @Test(arguments: [
        ("data:,a b", "invalid data character"),
        ("data:;base64,aGk", "illegal base64 data"),
        ("data:text/plain;charset,x", "expected base64, got charset"),
        ("data:x", "missing media type slash"),
        ("data:,%zz", "invalid percent escape in data"),
    ])
    func badDataURLs(_ url: String, _ message: String) {
        guard case .failure(let failure) = DataURL.decode(url) else {
            Issue.record("\(url) decoded")
            return
        }
        #expect(failure.description == message)
    }

    @Test func base64RoundTrip() {
        var random = SeededGenerator(seed: 5)
        for length in 0..<70 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            #expect(Base64.decode(Array(Base64.encode(bytes).utf8)) == bytes)
        }
    }

    @Test(arguments: [1, 6, 9])
    func gunzipMatchesGzip(_ level: Int) throws {
        var random = SeededGenerator(seed: UInt64(level))
        // Text-like data (long matches) and random bytes (stored and literal-heavy blocks).
        let text = Array(String(repeating: "slipway first boot config\n", count: 5000).utf8)
        let noise = (0..<200_000).map { _ in UInt8.random(in: 0...255, using: &random) }
        for original in [[], text, noise, text + noise + text] {
            #expect(try Gzip.decompress(try GzipTool.compress(original, level: level)) == original)
        }
    }

    @Test func gunzipRejectsDamageAndBombs() throws {
        let compressed = try GzipTool.compress(Array(repeating: 0, count: 1 << 20))
        #expect(throws: InflateError.self) { try Gzip.decompress(compressed, limit: 1000) }
        var damaged = compressed
        damaged[damaged.count - 6] ^= 0xff
        #expect(throws: InflateError.self) { try Gzip.decompress(damaged) }
        #expect(throws: InflateError.self) { try Gzip.decompress(Array("not gzip at all, really".utf8)) }
    }

    @Test func loaderDecompressesThenVerifies() throws {
        let plain = Array("verified contents\n".utf8)
        let gzipped = try GzipTool.compress(plain)
        var resource = Resource(source: "data:;base64," + Base64.encode(gzipped))
        resource.compression = "gzip"
        resource.verification.hash = "sha512-" + hexSHA512(plain)
        #expect(try ResourceLoader().load(resource, subject: "test") == plain)
        resource.verification.hash = "sha256-" + String(repeating: "0", count: 64)
        let error = try #require(throws: FirstBootError.self) { try ResourceLoader().load(resource, subject: "$.x") }
        #expect(error.operation == "verify")
        #expect(error.message.contains("the config expects 0000"))
    }

    @Test(arguments: ["s3://bucket/key", "tftp://host/file", "gs://bucket/object"])
    func unsupportedSchemesSayWhatToDo(_ source: String) throws {
        let error = try #require(throws: FirstBootError.self) {
            try ResourceLoader().load(Resource(source: source), subject: "$.storage.files.0")
        }
        #expect(error.message.hasPrefix("unsupported scheme"))
        #expect(error.message.contains("data: URL"))
    }

    @Test func httpFetchWithHeadersChunksAndRedirects() throws {
        let server = try TestHTTPServer { request in
            switch request.path {
            case "/moved": return TestHTTPServer.Response(status: 302, headers: [("Location", "/chunked?x=1")])
            case "/chunked?x=1":
                var response = TestHTTPServer.Response.ok(String(repeating: "0123456789", count: 100))
                response.chunked = true
                return response
            case "/auth":
                return request.headers["authorization"] == "Bearer t"
                    ? .ok("secret") : TestHTTPServer.Response(status: 403)
            default: return TestHTTPServer.Response(status: 404)
            }
        }
        let loader = ResourceLoader(defaultTotalSeconds: 5)
        #expect(try loader.load(Resource(source: server.url + "/moved"), subject: "s").count == 1000)
        var authorized = Resource(source: server.url + "/auth")
        authorized.httpHeaders = [HTTPHeader(name: "Authorization", value: "Bearer t")]
        #expect(try loader.load(authorized, subject: "s") == Array("secret".utf8))
        let denied = try #require(throws: FirstBootError.self) {
            try loader.load(Resource(source: server.url + "/missing"), subject: "s")
        }
        #expect(denied.message.contains("HTTP status 404"))
        // Headers are not carried across the redirect.
        #expect(server.requests.first { $0.path == "/chunked?x=1" }?.headers["authorization"] == nil)
    }

    @Test func httpRetriesServerErrorsUntilSuccess() throws {
        let attempts = Counter()
        let server = try TestHTTPServer { _ in
            attempts.increment() < 3 ? TestHTTPServer.Response(status: 503) : .ok("finally")
        }
        let bytes = try ResourceLoader(defaultTotalSeconds: 10).load(Resource(source: server.url + "/x"), subject: "s")
        #expect(bytes == Array("finally".utf8))
        #expect(server.requests.count == 3)
    }

    @Test func httpGivesUpAfterTheTotalTimeout() throws {
        let server = try TestHTTPServer { _ in TestHTTPServer.Response(status: 500) }
        var timeouts = Timeouts()
        timeouts.httpTotal = 1
        let start = Date()
        let error = try #require(throws: FirstBootError.self) {
            try ResourceLoader(timeouts: timeouts, defaultTotalSeconds: nil).load(
                Resource(source: server.url + "/x"), subject: "s")
        }
        #expect(error.message.contains("HTTP status 500"))
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(server.requests.count >= 2)
    }

    @Test func connectionRefusedIsAFetchError() throws {
        let error = try #require(throws: FirstBootError.self) {
            try ResourceLoader(defaultTotalSeconds: 0.3).load(Resource(source: "http://127.0.0.1:1/x"), subject: "$.a")
        }
        #expect(error.message.contains("cannot connect"))
    }
}

/// A thread-safe counter for server handlers.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    /// Increments and returns the new value.
    func increment() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}

/// sha512sum(1) of `bytes`, as an independent digest.
func hexSHA512(_ bytes: [UInt8]) -> String {
    let scratch = try? TemporaryFile(bytes)
    let output = (try? runToolOutput(["sha512sum", scratch?.path ?? "/dev/null"])) ?? ""
    return String(output.prefix(128))
}
