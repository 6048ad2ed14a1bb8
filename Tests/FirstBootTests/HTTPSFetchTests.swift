// https:// resources against `openssl s_server -WWW` on 127.0.0.1, with a throwaway CA made by the
// openssl CLI: a trusted server is fetched, an unknown issuer, a wrong name or address fail with an
// error that says what is wrong (and is not retried), a config's certificateAuthorities are
// fetched, checked and trusted when a config is applied, and `slipway firstboot apply` does the same.
import FirstBoot
import Foundation
import TLS
import TestSupport
import Testing

@Suite(.serialized, .timeLimit(.minutes(10))) struct HTTPSFetchTests {
    /// A CA, a server certificate for `names`, and s_server serving `hello.txt`.
    struct Fixture {
        let scratch: TemporaryDirectory
        let authority: TestCertificateAuthority
        let server: TLSTestServer
        static let content = "hello over TLS\n"

        init(names: [String] = ["DNS:localhost", "IP:127.0.0.1"]) throws {
            scratch = try TemporaryDirectory("https-fetch")
            authority = try TestCertificateAuthority(in: scratch.path)
            let issued = try authority.issue("server", names: names)
            let site = scratch.file("site")
            try FileManager.default.createDirectory(atPath: site, withIntermediateDirectories: true)
            try Fixture.content.write(toFile: site + "/hello.txt", atomically: false, encoding: .utf8)
            server = try TLSTestServer(certificate: issued.certificate, key: issued.key, serving: site)
        }

        var caPEM: [UInt8] { Array(authority.certificatePEM.utf8) }

        func url(_ host: String) -> String { "https://\(host):\(server.port)/hello.txt" }
    }

    static func failure(_ url: String, trust: TLSTrust) throws -> FetchFailure {
        try #require(throws: FetchFailure.self) {
            try StandardFetcher(trust: trust).get(url, headers: [], timeouts: Timeouts())
        }
    }

    @Test func aServerWhoseCAIsTrustedIsFetchedByNameAndByAddress() throws {
        let fixture = try Fixture()
        let trust = TLSTrust(system: .none, authorities: [fixture.caPEM])
        for host in ["localhost", "127.0.0.1"] {
            let body = try StandardFetcher(trust: trust).get(fixture.url(host), headers: [], timeouts: Timeouts())
            #expect(String(decoding: body, as: UTF8.self) == Fixture.content, "\(host)")
        }
        // The same CA as a system bundle file (how the image trusts its root's ca-certificates).
        let bundle = fixture.scratch.file("ca-certificates.crt")
        try Data(fixture.caPEM).write(to: URL(fileURLWithPath: bundle))
        let fromBundle = StandardFetcher(trust: TLSTrust(system: .bundle(path: bundle)))
        let twice = StandardFetcher(trust: TLSTrust(system: .bundle(path: bundle), authorities: [fixture.caPEM]))
        #expect(try twice.get(fixture.url("localhost"), headers: [], timeouts: Timeouts()).count > 0)
        #expect(try fromBundle.get(fixture.url("localhost"), headers: [], timeouts: Timeouts()).count > 0)
    }

    @Test func anUnknownIssuerIsAPermanentFailureThatSaysWhatToDo() throws {
        let fixture = try Fixture()
        let untrusted = try Self.failure(
            fixture.url("localhost"), trust: TLSTrust(system: .bundle(path: fixture.scratch.file("missing.crt"))))
        #expect(
            untrusted.message
                == "certificate verify failed: unable to get local issuer certificate "
                + "(add its CA to ignition.security.tls.certificateAuthorities)")
        #expect(untrusted.permanent)

        // Through the loader, with retries allowed for a minute: given up at once, named by URL.
        let error = try #require(throws: FirstBootError.self) {
            try ResourceLoader(fetcher: StandardFetcher(trust: TLSTrust(system: .none)), defaultTotalSeconds: 60)
                .load(Resource(source: fixture.url("localhost")), subject: "$.storage.files.0")
        }
        #expect(error.operation == "fetch")
        #expect(error.subject == "$.storage.files.0")
        #expect(
            error.message
                == "\(fixture.url("localhost")): certificate verify failed: unable to get local issuer certificate "
                + "(add its CA to ignition.security.tls.certificateAuthorities)")
    }

    @Test func aSelfSignedServerCertificateIsNamedAsSuch() throws {
        let scratch = try TemporaryDirectory("https-self-signed")
        // The CA's own certificate carries no server name; s_server presents it as the leaf.
        let authority = try TestCertificateAuthority(in: scratch.path, name: "localhost")
        let server = try TLSTestServer(
            certificate: authority.certificatePath, key: scratch.file("ca.key"), serving: scratch.path)
        let failure = try Self.failure(
            "https://localhost:\(server.port)/ca.pem", trust: TLSTrust(system: .none))
        #expect(
            failure.message
                == "certificate verify failed: self-signed certificate "
                + "(add its CA to ignition.security.tls.certificateAuthorities)")
        #expect(failure.permanent)
    }

    @Test func aCertificateForAnotherNameOrAddressIsRefused() throws {
        let fixture = try Fixture(names: ["DNS:localhost"])
        let trust = TLSTrust(system: .none, authorities: [fixture.caPEM])
        let byAddress = try Self.failure(fixture.url("127.0.0.1"), trust: trust)
        #expect(
            byAddress.message
                == "certificate verify failed: IP address mismatch: the certificate is not issued for 127.0.0.1")
        #expect(byAddress.permanent)

        let other = try Fixture(names: ["DNS:other.example", "IP:127.0.0.1"])
        let byName = try Self.failure(
            other.url("localhost"), trust: TLSTrust(system: .none, authorities: [other.caPEM]))
        #expect(
            byName.message
                == "certificate verify failed: hostname mismatch: the certificate is not issued for localhost"
        )
    }

    @Test func aServerThatNeverAnswersTheHandshakeTimesOutAndIsRetried() throws {
        // A plain HTTP server waits for a request line and never answers the ClientHello.
        let server = try TestHTTPServer { _ in .ok("plain") }
        let url = server.url.replacingOccurrences(of: "http://", with: "https://") + "/x"
        var timeouts = Timeouts()
        timeouts.httpResponseHeaders = 1
        let failure = try #require(throws: FetchFailure.self) {
            try StandardFetcher(trust: TLSTrust(system: .none)).get(url, headers: [], timeouts: timeouts)
        }
        #expect(failure.message == "timed out waiting for the server")
        #expect(!failure.permanent)
    }

    @Test func theConfigsCertificateAuthoritiesAreTrustedWhenApplying() throws {
        let fixture = try Fixture()
        let root = try TemporaryDirectory("https-apply")
        try FileManager.default.createDirectory(atPath: root.path + "/etc", withIntermediateDirectories: true)
        let ca = "data:;base64," + Data(fixture.caPEM).base64EncodedString()
        func config(_ authorities: String) -> String {
            """
            {"ignition": {"version": "3.4.0", "security": {"tls": {"certificateAuthorities": [\(authorities)]}}},
             "storage": {"files": [{"path": "/etc/hello", "contents": {"source": "\(fixture.url("localhost"))"}}]}}
            """
        }
        let options = ApplyOptions(fetcher: StandardFetcher(trust: TLSTrust(system: .none)), defaultTotalSeconds: 5)
        _ = try ApplyTests.apply(config("{\"source\": \"\(ca)\"}"), root: root.path, options: options)
        #expect(try String(contentsOfFile: root.path + "/etc/hello", encoding: .utf8) == Fixture.content)

        // Without it: the clear error, nothing written.
        try FileManager.default.removeItem(atPath: root.path + "/etc/hello")
        let untrusted = try #require(throws: FirstBootError.self) {
            try ApplyTests.apply(config(""), root: root.path, options: options)
        }
        #expect(untrusted.subject == "$.storage.files.0 (/etc/hello)")
        #expect(untrusted.message.hasSuffix("(add its CA to ignition.security.tls.certificateAuthorities)"))
        #expect(!FileManager.default.fileExists(atPath: root.path + "/etc/hello"))

        // A certificate authority that holds no certificate fails the config, naming the entry.
        let garbage = try #require(throws: FirstBootError.self) {
            try ApplyTests.apply(
                config("{\"source\": \"data:,not%20a%20certificate\"}"), root: root.path, options: options)
        }
        #expect(garbage.operation == "load certificate authority")
        #expect(garbage.subject == "$.ignition.security.tls.certificateAuthorities.0")
        #expect(
            garbage.message
                == "data:,not%20a%20certificate: no certificate in it: expected PEM blocks \"-----BEGIN CERTIFICATE-----\""
        )
    }

    @Test func theCLIFetchesHTTPSWithTheSameClientTrustingTheHostsAuthorities() throws {
        let fixture = try Fixture()
        let root = try TemporaryDirectory("https-cli")
        let config = root.file("config.ign")
        try """
        {"ignition": {"version": "3.4.0"},
         "storage": {"files": [{"path": "/etc/hello", "contents": {"source": "\(fixture.url("localhost"))"}}]}}
        """.write(toFile: config, atomically: false, encoding: .utf8)
        let target = root.file("root")
        try FileManager.default.createDirectory(atPath: target + "/etc", withIntermediateDirectories: true)
        let arguments = [FirstbootCommandTests.slipway, "firstboot", "apply", config, "--root", target]
        // OpenSSL's default locations honour SSL_CERT_FILE: an empty bundle, then the test CA.
        let empty = root.file("empty.pem")
        FileManager.default.createFile(atPath: empty, contents: Data())
        let refused = try runTool(arguments, environment: ["SSL_CERT_FILE": empty, "SSL_CERT_DIR": root.path])
        #expect(refused.status == 1)
        #expect(
            refused.stderr.contains(
                "\(fixture.url("localhost")): certificate verify failed: unable to get local issuer certificate "
                    + "(add its CA to ignition.security.tls.certificateAuthorities)"), "\(refused.stderr)")
        let applied = try runTool(
            arguments, environment: ["SSL_CERT_FILE": fixture.authority.certificatePath, "SSL_CERT_DIR": root.path])
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(try String(contentsOfFile: target + "/etc/hello", encoding: .utf8) == Fixture.content)
    }
}
