// How a registry asks for credentials (the distribution specification's token authentication):
// a 401 with `WWW-Authenticate: Bearer realm="…",service="…",scope="…"` sends the client to the
// realm for a token, which it then presents as `Authorization: Bearer TOKEN`; a 401 with
// `WWW-Authenticate: Basic` wants the user and password itself. Both come from
// SLIPWAY_CACHE_REGISTRY_AUTH (USER:PASSWORD); anonymous access needs nothing.
import Foundation

/// A parsed `WWW-Authenticate` header.
struct AuthenticationChallenge: Equatable {
    /// "bearer" or "basic", lower-cased.
    var scheme: String
    /// The parameters (realm, service, scope), names lower-cased.
    var parameters: [String: String]

    /// Parses `Scheme key="value",key=value`; quoted values may hold commas and escaped quotes.
    init?(header: String) {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard let space = trimmed.firstIndex(of: " ") ?? (trimmed.isEmpty ? nil : trimmed.endIndex) else {
            return nil
        }
        scheme = trimmed[..<space].lowercased()
        parameters = [:]
        var rest = Substring(trimmed[space...])
        while true {
            rest = rest.drop { $0 == " " || $0 == "," }
            guard let equals = rest.firstIndex(of: "=") else { break }
            let name = rest[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            rest = rest[rest.index(after: equals)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                var escaped = false
                while let character = rest.popFirst() {
                    if escaped {
                        value.append(character)
                        escaped = false
                    } else if character == "\\" {
                        escaped = true
                    } else if character == "\"" {
                        break
                    } else {
                        value.append(character)
                    }
                }
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                value = rest[..<end].trimmingCharacters(in: .whitespaces)
                rest = rest[end...]
            }
            parameters[name] = value
        }
    }

    /// The token endpoint for a Bearer challenge: the realm with service and scope as query items.
    var tokenURL: URL? {
        guard scheme == "bearer", let realm = parameters["realm"], var components = URLComponents(string: realm),
            components.scheme == "https" || components.scheme == "http"
        else { return nil }
        var items = components.queryItems ?? []
        if let service = parameters["service"] { items.append(URLQueryItem(name: "service", value: service)) }
        if let scope = parameters["scope"] {
            for part in scope.split(separator: " ") { items.append(URLQueryItem(name: "scope", value: String(part))) }
        }
        components.queryItems = items.isEmpty ? nil : items
        return components.url
    }
}

/// The credentials of SLIPWAY_CACHE_REGISTRY_AUTH.
struct RegistryCredentials: Sendable, Equatable {
    var user: String
    var password: String

    /// `USER:PASSWORD` (the password may contain colons); nil for an empty or unset value.
    init?(environment value: String?) {
        guard let value, !value.isEmpty, let colon = value.firstIndex(of: ":") else { return nil }
        user = String(value[..<colon])
        password = String(value[value.index(after: colon)...])
    }

    var basicHeader: String { "Basic " + Data("\(user):\(password)".utf8).base64EncodedString() }
}

/// The token a token server answers with: `token`, or OAuth2's `access_token`.
struct TokenResponse: Decodable {
    var token: String?
    var accessToken: String?

    enum CodingKeys: String, CodingKey {
        case token
        case accessToken = "access_token"
    }

    var value: String? { token ?? accessToken }
}
