// The rules of the Ignition config spec, per version, with the paths and messages Ignition reports
// (so that `ignition-validate` and `slipway firstboot validate` can be compared entry by entry).
// Rules added by later versions apply only from that version on.

/// Checks a decoded config against the rules of its spec version.
struct Validator {
    let version: SpecVersion
    private(set) var findings: [Diagnostic] = []

    init(version: SpecVersion) { self.version = version }

    static func validate(_ config: Config, version: SpecVersion) -> [Diagnostic] {
        var validator = Validator(version: version)
        validator.ignition(config.ignition)
        validator.storage(config.storage)
        validator.systemd(config.systemd)
        validator.passwd(config.passwd)
        validator.kernelArguments(config.kernelArguments)
        if version >= .v3_4 { validator.systemdPathConflicts(config) }
        validator.stricterRules(config)
        validator.unsupportedStorage(config.storage)
        return validator.findings
    }

    mutating func error(_ path: JSONPath, _ message: String) {
        findings.append(Diagnostic(.error, path, message))
    }

    mutating func warning(_ path: JSONPath, _ message: String) {
        findings.append(Diagnostic(.warning, path, message))
    }

    mutating func error(_ path: JSONPath, _ message: String?) {
        if let message { error(path, message) }
    }

    /// Reports "duplicate entry defined" for every entry whose key was already seen (Ignition keeps
    /// the first and flags the later ones). `groups` lists share one key space (files, directories
    /// and links do).
    mutating func duplicates(_ groups: [(path: JSONPath, keys: [String])]) {
        var seen: Set<String> = []
        for group in groups {
            for (index, key) in group.keys.enumerated() {
                if !seen.insert(key).inserted {
                    error(group.path.appending(index), "duplicate entry defined")
                }
            }
        }
    }

    // MARK: shared rules

    /// An absolute, fully simplified path.
    static func pathProblem(_ path: String) -> String? {
        if path.isEmpty { return "path not specified" }
        if !path.hasPrefix("/") { return "path not absolute" }
        if PathSyntax.clean(path) != path { return "path is not fully simplified" }
        return nil
    }

    static func modeProblems(_ mode: Int?, version: SpecVersion) -> (error: String?, warning: String?) {
        guard let mode else { return (nil, nil) }
        let error = mode < 0 || mode > 0o7777 ? "illegal file mode" : nil
        let warning =
            version < .v3_4 && mode & 0o7000 != 0
            ? "setuid/setgid/sticky bits are not supported in spec versions older than 3.4.0" : nil
        return (error, warning)
    }

    /// Why `source` is not an acceptable URL for this spec version, or nil.
    func urlProblem(_ source: String) -> String? {
        guard let url = ResourceURL(source) else { return "unable to parse url" }
        switch url.scheme {
        case "http", "https", "tftp": return nil
        case "gs": return version >= .v3_2 ? nil : "invalid url scheme"
        case "s3": return versionIdProblem(url)
        case "arn":
            guard version >= .v3_4 else { return "invalid url scheme" }
            return S3ARN.problem(source) ?? versionIdProblem(url)
        case "data":
            if case .failure(let failure) = DataURLPayload.parse(source) { return failure.description }
            return nil
        default: return "invalid url scheme"
        }
    }

    private func versionIdProblem(_ url: ResourceURL) -> String? {
        if let values = url.queryValues("versionId"), values.first?.isEmpty ?? true {
            return "invalid S3 object VersionId"
        }
        return nil
    }

    /// The checks every resource gets: compression, verification, source URL, HTTP headers.
    mutating func resource(_ resource: Resource, at path: JSONPath) {
        if let compression = resource.compression, compression != "", compression != "gzip" {
            error(path.appending("compression"), "invalid compression method")
        }
        let hashPath = path.appending("verification", "hash")
        if let hash = resource.verification.hash {
            if resource.source == nil {
                error(hashPath, "source must be specified if verification is specified")
            }
            switch HashSpec.parse(hash, version: version) {
            case .failure(let failure): error(hashPath, failure.description)
            case .success(let spec):
                if !spec.hasHexDigits {
                    warning(hashPath, "\"\(hash)\" is not hexadecimal; verification will fail when fetching")
                }
            }
        }
        if let source = resource.source, !source.isEmpty {
            error(path.appending("source"), urlProblem(source))
        }
        if !resource.httpHeaders.isEmpty {
            let scheme = resource.source.flatMap { $0.isEmpty ? nil : ResourceURL($0) }?.scheme
            switch scheme {
            case nil: error(path.appending("httpHeaders"), "unable to parse url")
            case "http", "https": break
            default: error(path.appending("httpHeaders"), "cannot use HTTP headers with this source scheme")
            }
            for (index, header) in resource.httpHeaders.enumerated() where header.name.isEmpty {
                error(path.appending("httpHeaders", index, "name"), "HTTP header name can't be empty")
            }
            duplicates([(path.appending("httpHeaders"), resource.httpHeaders.map(\.name))])
        }
    }

    /// A resource that must name a source (merged configs, CA bundles): the error goes on the entry.
    mutating func requiredSource(_ resource: Resource, at path: JSONPath) {
        guard let source = resource.source, !source.isEmpty else {
            error(path, "source is required")
            return
        }
        error(path, urlProblem(source))
    }

    // MARK: ignition

    mutating func ignition(_ ignition: Ignition) {
        let base = JSONPath.root.appending("ignition")
        let merge = base.appending("config", "merge")
        for (index, resource) in ignition.config.merge.enumerated() {
            if version >= .v3_1 { requiredSource(resource, at: merge.appending(index)) }
            self.resource(resource, at: merge.appending(index))
        }
        duplicates([(merge, ignition.config.merge.map { $0.source ?? "" })])
        resource(ignition.config.replace, at: base.appending("config", "replace"))

        let authorities = base.appending("security", "tls", "certificateAuthorities")
        for (index, authority) in ignition.security.tls.certificateAuthorities.enumerated() {
            if version >= .v3_1 {
                requiredSource(authority, at: authorities.appending(index))
            } else if (authority.source ?? "").isEmpty {
                error(authorities.appending(index, "source"), "invalid url scheme")
            }
            resource(authority, at: authorities.appending(index))
        }
        duplicates([(authorities, ignition.security.tls.certificateAuthorities.map { $0.source ?? "" })])

        let proxy = base.appending("proxy")
        for (key, value) in [("httpProxy", ignition.proxy.httpProxy), ("httpsProxy", ignition.proxy.httpsProxy)] {
            guard let value, !value.isEmpty else { continue }
            let scheme = ResourceURL(value)?.scheme
            if scheme != "http" && scheme != "https" {
                error(proxy.appending(key), "proxies must be http(s)")
            } else if key == "httpsProxy" && scheme == "http" {
                warning(proxy.appending(key), "insecure plaintext HTTP proxy specified for HTTPS resources")
            }
        }
        duplicates([(proxy.appending("noProxy"), ignition.proxy.noProxy)])
    }
}

/// Lexical path operations with the results of Go's `path` package (Ignition compares against them).
enum PathSyntax {
    /// `path.Clean`: the shortest equivalent path (no `.`/`..`/double or trailing slashes).
    static func clean(_ path: String) -> String {
        if path.isEmpty { return "." }
        let rooted = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                if let last = parts.last, last != ".." {
                    parts.removeLast()
                } else if !rooted {
                    parts.append(part)
                }
                continue
            }
            parts.append(part)
        }
        let joined = parts.joined(separator: "/")
        if rooted { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    /// `path.Join`.
    static func join(_ a: String, _ b: String) -> String {
        if a.isEmpty { return clean(b) }
        if b.isEmpty { return clean(a) }
        return clean(a + "/" + b)
    }

    /// `path.Dir`.
    static func dir(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return clean(String(path[...slash]))
    }

    /// `path.Ext`: the suffix from the final dot of the last element.
    static func ext(_ path: String) -> String {
        for character in path.reversed() {
            if character == "/" { return "" }
            if character == "." { break }
        }
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return "" }
        return String(path[dot...])
    }
}

/// `arn:` S3 URLs (spec 3.4.0+).
enum S3ARN {
    static func problem(_ text: String) -> String? {
        let sections = text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard sections.count == 6, sections[0] == "arn", sections[2] == "s3" else { return "invalid S3 ARN format" }
        let withoutQuery = text.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
        let slashParts = withoutQuery.split(separator: "/", omittingEmptySubsequences: false).count
        if sections[5].hasPrefix("accesspoint/") ? slashParts < 3 : slashParts < 2 { return "invalid S3 ARN format" }
        return nil
    }
}
