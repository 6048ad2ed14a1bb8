// REGISTRY/REPO as `--cache-registry` and SLIPWAY_CACHE_REGISTRY take it: a host (with an optional
// port) and a repository path in the OCI distribution grammar. Loopback registries are spoken to in
// plain http (what a registry on a CI runner's own host serves), every other one in https.
import Foundation

/// Where the shared cache lives: `registry.example.com/team/slipway-cache`, `localhost:5000/cache`.
public struct RegistryReference: Sendable, Equatable, CustomStringConvertible {
    /// `host` or `host:port`.
    public var host: String
    /// The repository path: lower-case components separated by `/`.
    public var repository: String

    /// Parses `REGISTRY/REPO`; `source` names where the text came from in the error
    /// (`--cache-registry` or `SLIPWAY_CACHE_REGISTRY`).
    public init(parsing text: String, source: String) throws {
        func bad(_ rule: String) -> RegistryError {
            RegistryError(operation: "read", subject: "\(source) \"\(text)\"", reason: rule)
        }
        if text.contains("://") {
            throw bad(
                "expected REGISTRY/REPO without a scheme, such as localhost:5000/slipway-cache (loopback "
                    + "registries are reached over http, all others over https)")
        }
        guard let slash = text.firstIndex(of: "/") else {
            throw bad("expected REGISTRY/REPO, such as registry.example.com/team/slipway-cache: no repository")
        }
        let host = String(text[..<slash])
        let repository = String(text[text.index(after: slash)...])
        let hostCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]")
        guard !host.isEmpty, host.allSatisfy(hostCharacters.contains) else {
            throw bad("\"\(host)\" is not a registry host (a name or address, optionally with :PORT)")
        }
        guard Self.isRepositoryPath(repository) else {
            throw bad(
                "\"\(repository)\" is not a repository name: lower-case letters and digits, separated by "
                    + "., _, __ or dashes, in components joined by /")
        }
        self.host = host
        self.repository = repository
    }

    public var description: String { "\(host)/\(repository)" }

    /// Loopback hosts get plain http: there is nothing between the runner and its own registry.
    public var isLoopback: Bool {
        let name = hostName
        return name == "localhost" || name.hasPrefix("127.") || name == "[::1]" || name == "::1"
    }

    /// The host without its port.
    var hostName: String {
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") { return String(host[...close]) }
        return String(host.split(separator: ":", maxSplits: 1).first ?? "")
    }

    /// `http(s)://host/v2/repository` followed by `path`.
    func url(_ path: String) -> URL? {
        URL(string: "\(isLoopback ? "http" : "https")://\(host)/v2/\(repository)\(path)")
    }

    /// The distribution specification's repository grammar:
    /// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*`.
    static func isRepositoryPath(_ text: String) -> Bool {
        guard !text.isEmpty, text.count <= 255 else { return false }
        return text.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { component in
            var previousWasSeparator = true
            var separator = ""
            for character in component {
                if character.isASCII && (character.isLowercase || character.isNumber) {
                    if !separator.isEmpty
                        && !(separator == "." || separator == "_" || separator == "__"
                            || separator.allSatisfy { $0 == "-" })
                    {
                        return false
                    }
                    separator = ""
                    previousWasSeparator = false
                } else if ".-_".contains(character) {
                    if previousWasSeparator && separator.isEmpty { return false }
                    separator.append(character)
                    previousWasSeparator = true
                } else {
                    return false
                }
            }
            return !component.isEmpty && separator.isEmpty
        }
    }
}
