// Resolution: `apt-get install --print-uris` against an empty status gives the whole closure, each
// package with its URI, file name, size and SHA-256, without installing or downloading anything.

extension Apt {
    /// The dependency closure of `requests`: every package apt would install on an empty system,
    /// with exact versions, sorted by name then architecture.
    ///
    /// A request is a package name, optionally with `:arch`, `=version` or `/release`, as apt-get
    /// accepts it. Recommends are left out unless `AptOptions.installRecommends` is set; Essential
    /// packages come in only when something depends on them.
    /// - Throws: `PackagesError` naming the package apt could not find or satisfy, with apt's message.
    public func resolve(_ requests: [String]) throws -> [ResolvedPackage] {
        for request in requests { try Self.validate(request: request) }
        guard !requests.isEmpty else { return [] }
        let lists = try listsInUse()
        let lines = try withLock(exclusive: false) { () throws -> [String] in
            let kept = resolutionCachePath(arguments: try aptArguments(lists: lists), requests: requests)
            let fingerprint = resolutionInputsFingerprint(lists: lists)
            if let lines = keptResolution(at: kept, fingerprint: fingerprint) { return lines }
            let result = try runAptGet(["install", "--print-uris", "-qq"] + requests, lists: lists)
            guard result.status == 0 else { throw resolutionError(result, requests: requests, lists: lists) }
            let lines = result.stdout.split(separator: "\n").filter { $0.hasPrefix("'") }.map(String.init)
            if !lines.isEmpty { keepResolution(lines, at: kept, fingerprint: fingerprint) }
            return lines
        }
        let packages = try lines.map(Self.parsePrintedURI)
        guard !packages.isEmpty else {
            throw PackagesError(
                package: requests.joined(separator: " "), operation: "resolve",
                message: "apt-get printed no package to fetch")
        }
        return packages.sorted { ($0.name, $0.architecture) < ($1.name, $1.architecture) }
    }

    /// Rejects what apt-get would read as an option or what no Debian package name can be.
    static func validate(request: String) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.:=~/_")
        guard let first = request.first, first.isLetter || first.isNumber, request.allSatisfy(allowed.contains)
        else {
            throw PackagesError(
                package: request, operation: "resolve",
                message: "not a package request: expected a Debian package name (lower-case letters, digits, "
                    + "+ - .), optionally followed by :ARCH, =VERSION or /RELEASE")
        }
    }

    /// Parses one line of `--print-uris`: `'URI' name_version_arch.deb SIZE SHA256:HEX`.
    static func parsePrintedURI(_ line: String) throws -> ResolvedPackage {
        func bad(_ why: String) -> PackagesError {
            PackagesError(package: line, operation: "resolve", message: "unexpected apt-get --print-uris line: \(why)")
        }
        let body = line.dropFirst()
        guard let quote = body.firstIndex(of: "'") else { throw bad("no closing quote after the URI") }
        let uri = String(body[..<quote])
        let fields = body[body.index(after: quote)...].split(separator: " ")
        guard fields.count >= 3 else { throw bad("expected file name, size and hash after the URI") }
        let fileName = String(fields[0])
        guard let size = Int64(fields[1]), size >= 0 else { throw bad("size \(fields[1]) is not a number") }
        guard fields[2].hasPrefix("SHA256:") else { throw bad("no SHA256 hash (got \(fields[2]))") }
        let sha256 = String(fields[2].dropFirst("SHA256:".count))
        guard sha256.count == 64, sha256.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
            throw bad("malformed SHA-256 \(sha256)")
        }
        guard fileName.hasSuffix(".deb") else { throw bad("\(fileName) is not a .deb") }
        let parts = fileName.dropLast(4).split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) else {
            throw bad("\(fileName) is not NAME_VERSION_ARCH.deb")
        }
        let nameCharacters = Set("abcdefghijklmnopqrstuvwxyz0123456789+-.")
        guard parts[0].allSatisfy(nameCharacters.contains), parts[2].allSatisfy(nameCharacters.contains) else {
            throw bad("\(fileName) has characters no package name or architecture has")
        }
        return ResolvedPackage(
            name: String(parts[0]), version: unquoted(String(parts[1])), architecture: String(parts[2]),
            sha256: sha256, size: size, uri: uri, fileName: fileName)
    }

    private func resolutionError(_ result: SubprocessResult, requests: [String], lists: String) -> PackagesError {
        let output = AptOutput(result)
        let package = output.namedPackage ?? requests.joined(separator: " ")
        var hint =
            "check the name and version (apt-cache policy NAME), or refresh the package lists if they "
            + "are old (apt-get update, or a private refresh)"
        if output.errors.contains(where: { $0.contains("held broken packages") || $0.contains("unmet") }) {
            hint = "the requested packages cannot be installed together; drop or pin the one that conflicts"
        }
        return PackagesError(
            package: package, operation: "resolve",
            message: "apt-get (lists in \(lists)): \(output.errorSummary). Hint: \(hint)")
    }
}
