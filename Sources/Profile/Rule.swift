// The rules single values follow: names, paths inside the image, unit names. Each returns the
// message a user sees, which states the rule and gives an example.

/// A check on a scalar's text: returns what is wrong, or nil.
struct Rule: Sendable {
    let check: @Sendable (String) -> String?

    struct Failure: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    static let any = Rule { _ in nil }

    static let nonEmpty = Rule { $0.isEmpty ? "must not be empty" : nil }

    /// Lower-case letters, digits and `extra`, starting with a letter or digit, at most `limit` long.
    static func identifier(extra: String, limit: Int, what: String) -> Rule {
        Rule { text in
            let ok =
                !text.isEmpty && text.count <= limit
                && text.unicodeScalars.allSatisfy { isLowerAlnum($0) || extra.unicodeScalars.contains($0) }
                && text.unicodeScalars.first.map(isLowerAlnum) == true
            return ok ? nil : what
        }
    }

    static let profileName = identifier(
        extra: "-", limit: 63,
        what:
            "expected a name of lower-case letters, digits and \"-\" that starts with a letter or digit, like docker-host"
    )

    static let containerName = identifier(
        extra: "-", limit: 63,
        what: "expected a name of lower-case letters, digits and \"-\" that starts with a letter or digit, like ntp")

    static let hostname = Rule { text in
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        let ok =
            text.count <= 253
            && labels.allSatisfy { label in
                !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                    && label.unicodeScalars.allSatisfy { isLowerAlnum($0) || $0 == "-" }
            }
        return ok
            ? nil : "expected a host name of lower-case letters, digits and \"-\" (dots between labels), like slipway"
    }

    static let version = Rule { text in
        let ok =
            !text.isEmpty && text.count <= 64
            && text.unicodeScalars.allSatisfy { isAlnum($0) || ".+~_-".unicodeScalars.contains($0) }
            && text.unicodeScalars.first.map(isAlnum) == true
        return ok ? nil : "expected a version of letters, digits and . + ~ _ -, like 1.2.0"
    }

    /// A Debian package name, optionally `:arch` and `=version` (Debian Policy 5.6.1 and 5.6.12).
    static let packageName = Rule { text in
        let message = "expected a Debian package name like docker.io, optionally with =VERSION, like tini=0.19.0-1"
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let nameAndArch = parts[0].split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let name = nameAndArch[0]
        guard name.count >= 2, name.unicodeScalars.first.map(isLowerAlnum) == true,
            name.unicodeScalars.allSatisfy({ isLowerAlnum($0) || "+.-".unicodeScalars.contains($0) })
        else { return message }
        if nameAndArch.count == 2, nameAndArch[1].isEmpty || !nameAndArch[1].unicodeScalars.allSatisfy(isLowerAlnum) {
            return message
        }
        if parts.count == 2 {
            let version = parts[1]
            guard !version.isEmpty, version.unicodeScalars.first.map(isAlnum) == true,
                version.unicodeScalars.allSatisfy({ isAlnum($0) || ".+~:-".unicodeScalars.contains($0) })
            else { return message }
        }
        return nil
    }

    static let moduleName = Rule { text in
        let ok = !text.isEmpty && text.unicodeScalars.allSatisfy { isAlnum($0) || $0 == "_" || $0 == "-" }
        return ok ? nil : "expected a kernel module name like virtio_blk (no path, no .ko)"
    }

    static let cmdlineArgument = Rule { text in
        let ok = !text.isEmpty && !text.unicodeScalars.contains { $0.properties.isWhitespace || $0.value < 0x20 }
        return ok ? nil : "expected one kernel argument without spaces, like console=ttyS0 (one list item each)"
    }

    /// An absolute path inside the image, already normal: no `.`, `..`, empty components or trailing `/`.
    static let imagePath = Rule { text in
        let components = text.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        let ok =
            text.hasPrefix("/") && !text.contains("\0")
            && (text == "/" || components.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." })
        return ok
            ? nil : "expected an absolute path inside the image, like /etc/hostname, without \".\", \"..\" or \"//\""
    }

    /// An absolute path pattern for `root.remove`: `*` and `?` within a name, `**` across directories.
    static let removePattern = Rule { text in
        let components = text.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        let ok =
            text.hasPrefix("/") && text != "/" && !text.contains("\0")
            && components.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
        return ok ? nil : "expected an absolute path or pattern inside the image, like /usr/share/doc/** (not \"/\")"
    }

    /// A symlink target: anything but empty or a NUL.
    static let linkTarget = Rule { text in
        text.isEmpty || text.contains("\0") ? "expected a link target like /bin/busybox or busybox" : nil
    }

    /// A user or group name as shadow-utils accepts it by default.
    static let accountName = Rule { text in
        let first = text.unicodeScalars.first
        let ok =
            !text.isEmpty && text.count <= 32 && first.map { isLowerAlpha($0) || $0 == "_" } == true
            && text.unicodeScalars.dropLast().allSatisfy { isLowerAlnum($0) || $0 == "_" || $0 == "-" }
            && text.unicodeScalars.last.map { isLowerAlnum($0) || "_-$".unicodeScalars.contains($0) } == true
        return ok ? nil : "expected a user or group name of lower-case letters, digits, \"_\" and \"-\", like core"
    }

    static let unitSuffixes = [
        "service", "socket", "target", "timer", "mount", "automount", "path", "slice", "swap", "device",
    ]

    static let unitName = Rule { text in
        let message =
            "expected a systemd unit name like docker.service (one of: .\(unitSuffixes.joined(separator: ", .")))"
        guard let dot = text.lastIndex(of: "."), unitSuffixes.contains(String(text[text.index(after: dot)...])) else {
            return message
        }
        let stem = text[..<dot]
        let ok =
            !stem.isEmpty && !stem.hasSuffix("@") && text.count <= 255
            && stem.unicodeScalars.allSatisfy { isAlnum($0) || ":-_.\\@".unicodeScalars.contains($0) }
        if stem.hasSuffix("@") { return "a template unit needs an instance to be enabled, like getty@ttyS0.service" }
        return ok ? nil : message
    }

    /// A Docker image reference: lower-case path components, optional `:tag`.
    static let imageReference = Rule { text in
        let message = "expected an image reference like hello or library/busybox:1.36"
        var name = Substring(text)
        if let colon = text.lastIndex(of: ":"), !text[colon...].contains("/") {
            let tag = text[text.index(after: colon)...]
            guard !tag.isEmpty, tag.count <= 128, tag.unicodeScalars.first.map({ isAlnum($0) || $0 == "_" }) == true,
                tag.unicodeScalars.allSatisfy({ isAlnum($0) || "_.-".unicodeScalars.contains($0) })
            else { return message }
            name = text[..<colon]
        }
        let components = name.split(separator: "/", omittingEmptySubsequences: false)
        let ok = components.allSatisfy { component in
            !component.isEmpty && component.unicodeScalars.first.map(isLowerAlnum) == true
                && component.unicodeScalars.last.map(isLowerAlnum) == true
                && component.unicodeScalars.allSatisfy { isLowerAlnum($0) || "._-".unicodeScalars.contains($0) }
        }
        return ok ? nil : message
    }

    static let capability = Rule { text in
        let ok = !text.isEmpty && text.unicodeScalars.allSatisfy { ($0 >= "A" && $0 <= "Z") || $0 == "_" }
        return ok ? nil : "expected a capability name like SYS_TIME or CAP_NET_ADMIN"
    }

    static let environmentName = Rule { text in
        let ok =
            text.unicodeScalars.first.map { isAlpha($0) || $0 == "_" } == true
            && text.unicodeScalars.allSatisfy { isAlnum($0) || $0 == "_" }
        return ok ? nil : "expected a variable name of letters, digits and \"_\", like TZ"
    }

    static let aptSource = Rule { text in
        let fields = text.split(separator: " ")
        let ok = fields.first == "deb" && fields.count >= 3 && !text.contains("\n")
        return ok ? nil : "expected a one-line source like \"deb http://deb.debian.org/debian bookworm main\""
    }

    private static func isLowerAlpha(_ s: Unicode.Scalar) -> Bool { s >= "a" && s <= "z" }
    private static func isAlpha(_ s: Unicode.Scalar) -> Bool { isLowerAlpha(s) || (s >= "A" && s <= "Z") }
    private static func isDigit(_ s: Unicode.Scalar) -> Bool { s >= "0" && s <= "9" }
    private static func isLowerAlnum(_ s: Unicode.Scalar) -> Bool { isLowerAlpha(s) || isDigit(s) }
    private static func isAlnum(_ s: Unicode.Scalar) -> Bool { isAlpha(s) || isDigit(s) }
}

/// Lexical path arithmetic on host paths (no file system access, no symlink resolution).
enum PathText {
    /// `/a/./b//c/../d` → `/a/b/d`; relative paths keep leading `..`.
    static func normalize(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var out: [Substring] = []
        for component in path.split(separator: "/") where component != "." {
            if component == "..", let last = out.last, last != ".." {
                out.removeLast()
            } else if component == "..", absolute {
                continue
            } else {
                out.append(component)
            }
        }
        let joined = out.joined(separator: "/")
        if absolute { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    /// `path` relative to the directory `base` (both absolute and normal).
    static func relative(_ path: String, from base: String) -> String {
        let target = path.split(separator: "/"), origin = base.split(separator: "/")
        var common = 0
        while common < target.count, common < origin.count, target[common] == origin[common] { common += 1 }
        let ups = Array(repeating: "..", count: origin.count - common)
        let rest = target[common...].map(String.init)
        let joined = (ups + rest).joined(separator: "/")
        return joined.isEmpty ? "." : joined
    }

    /// The directory part of `path` (`.` for a bare name).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// `relative` seen from the directory `directory`, normalized; absolute paths stay as they are.
    static func join(_ directory: String, _ relative: String) -> String {
        if relative.hasPrefix("/") { return normalize(relative) }
        return normalize(directory == "." ? relative : directory + "/" + relative)
    }
}
