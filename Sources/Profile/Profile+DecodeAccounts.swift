// Decoding `users:`, `groups:`, `system:` and `images:`: mappings keyed by the names users choose.

extension Profile.User {
    static let keys = ["uid", "gid", "groups", "home", "shell", "gecos"]

    static func decodeAll(_ node: SourceNode?, _ path: FieldPath, in c: DecodeContext) -> [Self] {
        c.namedEntries(node, path, rule: .accountName).compactMap { name, value, path in
            guard let f = c.mapping(value, path, keys: keys) else { return nil }
            for key in ["uid", "gid"] where !f.has(key) { c.missing(f, key) }
            let uid = c.id(f["uid"], path.key("uid"))
            let gid = c.id(f["gid"], path.key("gid"))
            let defaultHome = name.value == "root" ? "/root" : "/home/" + name.value
            let user = Self(
                name: name, uid: uid ?? Located(0, at: f.location), gid: gid ?? Located(0, at: f.location),
                groups: c.strings(f["groups"], path.key("groups"), .accountName),
                home: c.string(f["home"], path.key("home"), .imagePath) ?? Located(defaultHome, at: f.location),
                shell: c.string(f["shell"], path.key("shell"), .imagePath) ?? Located("/bin/sh", at: f.location),
                gecos: c.string(f["gecos"], path.key("gecos"), gecosRule),
                location: f.location)
            return uid == nil || gid == nil ? nil : user
        }.sorted { $0.name.value < $1.name.value }
    }

    static let gecosRule = Rule {
        $0.contains(":") || $0.contains("\n") ? "must not contain \":\" or a line break" : nil
    }
}

extension Profile.Group {
    static func decodeAll(_ node: SourceNode?, _ path: FieldPath, in c: DecodeContext) -> [Self] {
        c.namedEntries(node, path, rule: .accountName).compactMap { name, value, path in
            guard let f = c.mapping(value, path, keys: ["gid"]) else { return nil }
            if !f.has("gid") { c.missing(f, "gid") }
            return c.id(f["gid"], path.key("gid")).map { Self(name: name, gid: $0, location: f.location) }
        }.sorted { $0.name.value < $1.name.value }
    }
}

extension Profile.SystemContainer {
    static let keys = [
        "image", "command", "environment", "mounts", "network", "pid", "privileged", "capabilities", "restart",
        "depends-on",
    ]

    static func decodeAll(_ node: SourceNode?, _ path: FieldPath, in c: DecodeContext) -> [Self] {
        c.namedEntries(node, path, rule: .containerName).compactMap { name, value, path in
            guard let f = c.mapping(value, path, keys: keys) else { return nil }
            if !f.has("image") { c.missing(f, "image") }
            let reference = Located("slipway-system/\(name.value):latest", at: name.location)
            let image = f["image"].flatMap { Profile.Image.decode($0, path.key("image"), reference: reference, in: c) }
            let command = f["command"].map { c.strings($0, path.key("command")) }
            let container = image.map { image in
                Self(
                    name: name, image: image, command: command,
                    environment: Profile.EnvironmentVariable.decodeAll(
                        f["environment"], path.key("environment"), in: c),
                    mounts: c.list(f["mounts"], path.key("mounts")).compactMap {
                        Profile.Mount.decode($0.node, $0.path, in: c)
                    },
                    network: c.choice(f["network"], path.key("network")) ?? Located(.host, at: f.location),
                    pid: c.choice(f["pid"], path.key("pid")) ?? Located(.container, at: f.location),
                    privileged: c.bool(f["privileged"], path.key("privileged")) ?? Located(false, at: f.location),
                    capabilities: c.strings(f["capabilities"], path.key("capabilities"), .capability),
                    restart: c.choice(f["restart"], path.key("restart")) ?? Located(.always, at: f.location),
                    dependsOn: c.strings(f["depends-on"], path.key("depends-on"), .containerName),
                    location: f.location)
            }
            return container
        }.sorted { $0.name.value < $1.name.value }
    }
}

extension Profile.Image {
    static let keys = ["layers", "archive", "ref", "entrypoint", "cmd", "env", "working-dir", "user"]
    static let configKeys = ["entrypoint", "cmd", "env", "working-dir", "user"]

    static func decodeAll(_ node: SourceNode?, _ path: FieldPath, in c: DecodeContext) -> [Self] {
        c.namedEntries(node, path, rule: .imageReference).compactMap { name, value, path in
            decode(value, path, reference: name, in: c)
        }.sorted { $0.reference.value < $1.reference.value }
    }

    static func decode(_ node: SourceNode, _ path: FieldPath, reference: Located<String>, in c: DecodeContext) -> Self?
    {
        guard let f = c.mapping(node, path, keys: keys) else { return nil }
        c.exclusive(f, ["layers", "archive"])
        let source: Profile.ImageSource?
        if f.has("layers") {
            source = .layers(Profile.Layer.decodeList(f["layers"], path.key("layers"), in: c))
            if f.has("ref") {
                c.report(f.keyLocation("ref"), path.key("ref"), "\"ref\" picks an image in an \"archive\"; remove it")
            }
        } else if f.has("archive") {
            let archive = c.hostPath(f["archive"], path.key("archive"), .fileOrDirectory)
            source = archive.map { .archive($0, ref: c.string(f["ref"], path.key("ref"), .nonEmpty)) }
            for key in configKeys where f.has(key) {
                c.report(
                    f.keyLocation(key), path.key(key),
                    "\(quoted(key)) applies only to images built from \"layers\"; an archive brings its own config")
            }
        } else {
            c.report(f.location, path, "an image needs \"layers\" (built by slipway) or \"archive\" (a saved image)")
            source = nil
        }
        guard let source else { return nil }
        return Self(
            reference: reference, source: source,
            entrypoint: f["entrypoint"].map { c.strings($0, path.key("entrypoint")) },
            cmd: f["cmd"].map { c.strings($0, path.key("cmd")) },
            env: Profile.EnvironmentVariable.decodeAll(f["env"], path.key("env"), in: c),
            workingDir: c.string(f["working-dir"], path.key("working-dir"), .imagePath),
            user: c.string(f["user"], path.key("user"), .nonEmpty),
            location: f.location)
    }
}

extension Profile.EnvironmentVariable {
    static func decodeAll(_ node: SourceNode?, _ path: FieldPath, in c: DecodeContext) -> [Self] {
        c.namedEntries(node, path, rule: .environmentName).compactMap { name, value, path in
            c.string(value, path).map { Self(name: name, value: $0) }
        }.sorted { $0.name.value < $1.name.value }
    }
}

extension Profile.Mount {
    static let keys = ["type", "source", "target", "read-only"]
    static let volumeName = Rule { text in
        let ok =
            text.unicodeScalars.first.map { CharacterSetLite.isAlnum($0) } == true
            && text.unicodeScalars.allSatisfy { CharacterSetLite.isAlnum($0) || "_.-".unicodeScalars.contains($0) }
        return ok ? nil : "expected an absolute path (bind) or a volume name like system-logs"
    }

    static func decode(_ node: SourceNode, _ path: FieldPath, in c: DecodeContext) -> Self? {
        if let text = node.scalar { return decodeShort(text, node, path, in: c) }
        guard let f = c.mapping(node, path, keys: keys) else { return nil }
        if !f.has("target") { c.missing(f, "target") }
        let type = c.choice(f["type"], path.key("type")) ?? Located(Profile.MountType.bind, at: f.location)
        var source: Located<String>?
        switch type.value {
        case .bind:
            if !f.has("source") { c.missing(f, "source") }
            source = c.string(f["source"], path.key("source"), .imagePath)
        case .volume:
            if !f.has("source") { c.missing(f, "source") }
            source = c.string(f["source"], path.key("source"), volumeName)
        case .tmpfs:
            if f.has("source") {
                c.report(f.keyLocation("source"), path.key("source"), "a tmpfs mount has no source; remove it")
            }
        }
        guard let target = c.string(f["target"], path.key("target"), .imagePath) else { return nil }
        return Self(
            type: type, source: source, target: target,
            readOnly: c.bool(f["read-only"], path.key("read-only")) ?? Located(false, at: f.location),
            location: f.location)
    }

    /// `SOURCE:TARGET` or `SOURCE:TARGET:ro|rw`; a source that is not an absolute path is a volume.
    private static func decodeShort(_ text: String, _ node: SourceNode, _ path: FieldPath, in c: DecodeContext) -> Self?
    {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (2...3).contains(parts.count), parts.count == 2 || ["ro", "rw"].contains(parts[2]) else {
            c.report(
                node.location, path, value: text,
                "expected SOURCE:TARGET or SOURCE:TARGET:ro, like /run/log:/run/log:ro")
            return nil
        }
        let type: Profile.MountType = parts[0].hasPrefix("/") ? .bind : .volume
        let sourceRule = type == .bind ? Rule.imagePath : volumeName
        if let message = sourceRule.check(parts[0]) ?? Rule.imagePath.check(parts[1]) {
            c.report(node.location, path, value: text, message)
            return nil
        }
        return Self(
            type: Located(type, at: node.location), source: Located(parts[0], at: node.location),
            target: Located(parts[1], at: node.location),
            readOnly: Located(parts.count == 3 && parts[2] == "ro", at: node.location), location: node.location)
    }
}

/// ASCII character classes for rules defined outside `Rule`.
enum CharacterSetLite {
    static func isAlnum(_ s: Unicode.Scalar) -> Bool {
        (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || (s >= "0" && s <= "9")
    }
}
