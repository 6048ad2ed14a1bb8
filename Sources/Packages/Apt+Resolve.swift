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
        let sharedKey = shared == nil ? nil : sharedResolutionKey(requests: requests, lists: lists)
        let lines = try withLock(exclusive: false) { () throws -> [String] in
            let kept = resolutionCachePath(arguments: try aptArguments(lists: lists), requests: requests)
            let fingerprint = resolutionInputsFingerprint(lists: lists)
            if let lines = keptResolution(at: kept, fingerprint: fingerprint) { return lines }
            // Lines from the shared cache are parsed and checked below like apt's own.
            if let sharedKey, let lines = shared?.resolution(key: sharedKey),
                !lines.isEmpty, (try? lines.map(Self.parsePrintedURI)) != nil
            {
                keepResolution(lines, at: kept, fingerprint: fingerprint)
                return lines
            }
            // -q, not -qq: on failure apt explains unmet dependencies only at this level, and on
            // success the lines that are not URIs are left out below.
            let result = try runAptGet(["install", "--print-uris", "-q"] + requests, lists: lists)
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
        if let sharedKey { shared?.used(resolution: lines, key: sharedKey) }
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
        if !output.unmet.isEmpty {
            return unmetError(output.unmet, requests: requests, lists: lists)
        }
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

    /// Names each relation apt could not satisfy, and the requested package that needs it. apt's
    /// error says only "held broken packages", and its explanation may start at any level: where a
    /// dependency exists but cannot be installed itself, apt is asked about it alone until a reason
    /// names what is missing; where the explained package was not requested, each request is tried
    /// alone to find the one that needs it.
    private func unmetError(_ relations: [UnmetRelation], requests: [String], lists: String) -> PackagesError {
        var budget = 8
        func unmet(_ request: String) -> [UnmetRelation] {
            guard budget > 0 else { return [] }
            budget -= 1
            guard let result = try? runAptGet(["install", "--print-uris", "-q", request], lists: lists),
                result.status != 0
            else { return [] }
            return AptOutput(result).unmet
        }
        var chain = [relations[0]]
        while let last = chain.last, last.targetIsBlocked, chain.count < 5,
            let next = unmet(last.targetName).first(where: { $0.package == last.targetName })
        {
            chain.append(next)
        }
        let names = requests.map(Self.packageName)
        let head = chain[0].package
        let requester =
            names.contains(head)
            ? head : names.count == 1 ? names[0] : names.first { !unmet($0).isEmpty }
        let explained = Self.describe(chain, neededBy: requester == head ? nil : requester)
        let others = relations.dropFirst().map { Self.describe([$0]) }
        let cause = chain[chain.count - 1]
        let leaveOut = requester ?? head
        let hint: String
        if ["Breaks", "Conflicts"].contains(cause.kind) {
            hint = "\(cause.package) and \(cause.targetName) cannot be installed together; leave one out"
        } else if cause.reason == "it is not installable" {
            hint =
                "no package source offers \(cause.target): add one that does (apt.sources), refresh the "
                + "package lists (apt.refresh), or leave out \(leaveOut)"
        } else {
            hint =
                "the sources offer no version of \(cause.targetName) that fits \(cause.target): pin one that "
                + "does, refresh the package lists (apt.refresh), or leave out \(leaveOut)"
        }
        return PackagesError(
            package: leaveOut, operation: "resolve",
            message: "unmet dependency: \(([explained] + others).joined(separator: "; ")) (apt-get, lists in "
                + "\(lists)). Hint: \(hint)")
    }

    /// The package name of a request: `tini=0.19.0-1`, `tini:amd64` and `tini/bookworm` name `tini`.
    static func packageName(_ request: String) -> String {
        String(request.prefix { $0 != "=" && $0 != ":" && $0 != "/" })
    }

    /// `a depends on b, which depends on c (>= 2) but it is not installable`; with `neededBy`,
    /// `r needs a, which depends on ...` (r needs a through dependencies apt did not explain).
    static func describe(_ chain: [UnmetRelation], neededBy requester: String? = nil) -> String {
        let verbs = ["Depends": "depends on", "PreDepends": "pre-depends on", "Conflicts": "conflicts with"]
        var text = ""
        for (index, relation) in chain.enumerated() {
            let verb = verbs[relation.kind] ?? relation.kind.lowercased()
            if index == 0 {
                text = requester.map { "\($0) needs \(relation.package), which" } ?? relation.package
                text += " \(verb) \(relation.target)"
            } else {
                text += ", which \(verb) \(relation.target)"
            }
        }
        if let reason = chain.last?.reason, !reason.isEmpty { text += " but \(reason)" }
        return text
    }
}
