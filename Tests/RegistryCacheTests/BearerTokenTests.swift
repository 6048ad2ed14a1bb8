import Foundation
import TestSupport
import Testing

@testable import RegistryCache

/// The distribution token flow against a real registry: docker-registry configured for token
/// authentication answers 401 with a Bearer challenge, the client asks the realm (a token server on
/// loopback) for a token with its credentials, and the registry checks the token's signature
/// against its root certificate.
@Suite struct BearerTokenTests {
    /// A certificate and key (openssl), and a JWT signed with the key that grants push and pull
    /// on `repository` to whoever presents it.
    private struct TokenIssuer {
        let certificates: String
        let token: String

        init(in directory: TemporaryDirectory, service: String, issuer: String, repository: String) throws {
            let key = directory.file("token.key"), certificate = directory.file("token.pem")
            let made = try runTool([
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate,
                "-subj", "/CN=slipway test token issuer", "-days", "2",
            ])
            guard made.status == 0 else { throw FixtureError("openssl req: \(made.stderr)") }
            let der = directory.file("token.der")
            _ = try runTool(["openssl", "x509", "-in", certificate, "-outform", "DER", "-out", der])
            let chain = try Data(contentsOf: URL(fileURLWithPath: der)).base64EncodedString()
            let now = Int(Date().timeIntervalSince1970)
            let header = #"{"alg":"RS256","typ":"JWT","x5c":["\#(chain)"]}"#
            let claims = """
                {"iss":"\(issuer)","sub":"ci","aud":"\(service)","exp":\(now + 3600),"nbf":\(now - 60),\
                "iat":\(now - 60),"jti":"slipway-test","access":[{"type":"repository","name":"\(repository)",\
                "actions":["pull","push"]}]}
                """
            let signingInput = Self.base64URL(Data(header.utf8)) + "." + Self.base64URL(Data(claims.utf8))
            try Data(signingInput.utf8).write(to: URL(fileURLWithPath: directory.file("jwt.input")))
            let signed = try runTool([
                "openssl", "dgst", "-sha256", "-sign", key, "-out", directory.file("jwt.sig"),
                directory.file("jwt.input"),
            ])
            guard signed.status == 0 else { throw FixtureError("openssl dgst: \(signed.stderr)") }
            let signature = try Data(contentsOf: URL(fileURLWithPath: directory.file("jwt.sig")))
            certificates = certificate
            token = signingInput + "." + Self.base64URL(signature)
        }

        static func base64URL(_ data: Data) -> String {
            data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
    }

    @Test func theClientFetchesATokenFromTheRealmAndTheRegistryAcceptsIt() throws {
        let directory = try TemporaryDirectory()
        let issuer = try TokenIssuer(
            in: directory, service: "slipway-registry", issuer: "slipway-issuer", repository: "slipway/cache")
        let expected = "Basic " + Data("ci:token-secret".utf8).base64EncodedString()
        let token = issuer.token
        // The token server hands the token only to the right credentials.
        let tokenServer = try TestHTTPServer { request in
            guard request.headers["authorization"] == expected else { return .status(401, "{}") }
            return .ok(#"{"token": "\#(token)", "expires_in": 3600}"#)
        }
        let server = try RegistryServer(
            token: .init(
                realm: "\(tokenServer.url)/token", service: "slipway-registry", issuer: "slipway-issuer",
                certificates: issuer.certificates))
        let reference = try RegistryReference(parsing: "\(server.host)/slipway/cache", source: "test")

        let registry = RegistryClient(reference: reference, credentials: "ci:token-secret", timeout: 5)
        let digest = try registry.pushBlob(Data("behind a token".utf8))
        #expect(try registry.blobData(digest) == Data("behind a token".utf8))
        let asked = try #require(tokenServer.requests.first)
        #expect(asked.path.hasPrefix("/token?"))
        #expect(asked.path.contains("service=slipway-registry"), "\(asked.path)")
        #expect(asked.path.contains("scope=repository:slipway/cache:"), "\(asked.path)")
        // One token serves the requests that follow: the realm is not asked again for each.
        #expect(tokenServer.requests.count <= 2, "\(tokenServer.requests.map(\.path))")

        let wrong = RegistryClient(reference: reference, credentials: "ci:wrong", timeout: 5)
        let refused = #expect(throws: RegistryError.self) { try wrong.blobExists(digest) }
        #expect(refused?.reason.contains("answered 401 without a token") == true, "\(String(describing: refused))")
    }
}
