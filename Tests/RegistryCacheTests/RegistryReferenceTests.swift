import Foundation
import Testing

@testable import RegistryCache

/// REGISTRY/REPO parsing, the scheme each host gets, and WWW-Authenticate challenges.
@Suite struct RegistryReferenceTests {
    @Test(arguments: [
        ("localhost:5000/slipway-cache", "localhost:5000", "slipway-cache", "http"),
        ("127.0.0.1:41234/team/cache", "127.0.0.1:41234", "team/cache", "http"),
        ("[::1]:5000/cache", "[::1]:5000", "cache", "http"),
        ("registry.example.com/team/slipway_cache.v1", "registry.example.com", "team/slipway_cache.v1", "https"),
        ("ghcr.io/org/a--b/c__d", "ghcr.io", "org/a--b/c__d", "https"),
    ])
    func parses(text: String, host: String, repository: String, scheme: String) throws {
        let reference = try RegistryReference(parsing: text, source: "--cache-registry")
        #expect(reference.host == host)
        #expect(reference.repository == repository)
        #expect(reference.url("/tags/list")?.absoluteString == "\(scheme)://\(host)/v2/\(repository)/tags/list")
    }

    @Test(arguments: [
        ("localhost:5000", "no repository"),
        ("https://registry.example.com/cache", "without a scheme"),
        ("registry.example.com/Team/cache", "not a repository name"),
        ("registry.example.com/team//cache", "not a repository name"),
        ("registry.example.com/-cache", "not a repository name"),
        ("registry.example.com/cache.", "not a repository name"),
        ("registry.example.com/a_._b", "not a repository name"),
        ("reg istry/cache", "not a registry host"),
        ("/cache", "not a registry host"),
    ])
    func refuses(text: String, rule: String) {
        let error = #expect(throws: RegistryError.self) {
            try RegistryReference(parsing: text, source: "SLIPWAY_CACHE_REGISTRY")
        }
        #expect(error?.subject == "SLIPWAY_CACHE_REGISTRY \"\(text)\"")
        #expect(error?.reason.contains(rule) == true, "\(String(describing: error))")
    }

    @Test func bearerChallengesNameTheTokenEndpoint() throws {
        let header =
            #"Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:team/cache:pull,push""#
        let challenge = try #require(AuthenticationChallenge(header: header))
        #expect(challenge.scheme == "bearer")
        #expect(challenge.parameters["scope"] == "repository:team/cache:pull,push")
        #expect(
            challenge.tokenURL?.absoluteString
                == "https://auth.example.com/token?service=registry.example.com&scope=repository:team/cache:pull,push")
        let basic = try #require(AuthenticationChallenge(header: #"Basic realm="slipway-test""#))
        #expect(basic.scheme == "basic" && basic.tokenURL == nil)
        // A realm that is not http(s) is not followed.
        #expect(AuthenticationChallenge(header: #"Bearer realm="file:///etc/passwd""#)?.tokenURL == nil)
    }

    @Test func credentialsSplitAtTheFirstColon() {
        #expect(RegistryCredentials(environment: "ci:a:b") == RegistryCredentials(environment: "ci:a:b"))
        #expect(RegistryCredentials(environment: "ci:a:b")?.password == "a:b")
        #expect(RegistryCredentials(environment: "nocolon") == nil)
        #expect(RegistryCredentials(environment: "") == nil)
    }
}
