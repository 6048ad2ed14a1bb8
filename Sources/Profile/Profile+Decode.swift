// Decoding the merged YAML tree into the typed profile, top-level keys and the small sections.
// Every decoder reports into the context and still returns a value (defaults where the YAML was
// wrong), so one pass finds every problem.

extension Profile {
    /// Top-level keys in the order the canonical form writes them.
    static let topLevelKeys = [
        "name", "description", "version", "architecture", "hostname", "extends", "apt", "root", "kernel", "init",
        "rescue-shell", "disk", "users", "groups", "services", "system", "images", "firstboot", "health",
        "update",
    ]

    static func decode(_ node: SourceNode, file: String, files: [String], in c: DecodeContext) -> Profile {
        let top = c.mapping(node, FieldPath(), keys: topLevelKeys) ?? Fields(node: node, path: FieldPath(), entries: [])
        let at = top.location
        func path(_ key: String) -> FieldPath { FieldPath().key(key) }

        if !top.has("name") { c.missing(top, "name") }
        let name = c.string(top["name"], path("name"), .profileName) ?? Located("", at: at)
        let hostname =
            c.string(top["hostname"], path("hostname"), .hostname)
            ?? Located(Rule.hostname.check(name.value) == nil ? name.value : "slipway", at: name.location)
        let initPath = c.string(top["init"], path("init"), .imagePath) ?? Located("/sbin/init", at: at)

        return Profile(
            file: file, files: files,
            name: name,
            description: c.string(top["description"], path("description")),
            version: c.string(top["version"], path("version"), .version) ?? Located("0", at: at),
            architecture: c.choice(top["architecture"], path("architecture")) ?? Located(.amd64, at: at),
            hostname: hostname,
            apt: Apt.decode(top["apt"], path("apt"), default: at, in: c),
            root: Root.decode(top["root"], path("root"), default: at, in: c),
            kernel: Kernel.decode(top["kernel"], path("kernel"), default: at, in: c),
            initPath: initPath,
            rescueShell: c.bool(top["rescue-shell"], path("rescue-shell")) ?? Located(false, at: at),
            disk: DiskLayout.decode(top["disk"], path("disk"), default: at, in: c),
            users: User.decodeAll(top["users"], path("users"), in: c),
            groups: Group.decodeAll(top["groups"], path("groups"), in: c),
            services: Services.decode(top["services"], path("services"), default: at, in: c),
            system: SystemContainer.decodeAll(top["system"], path("system"), in: c),
            images: Image.decodeAll(top["images"], path("images"), in: c),
            firstboot: Firstboot.decode(top["firstboot"], path("firstboot"), default: at, in: c),
            health: Health.decode(top["health"], path("health"), default: at, in: c),
            update: Update.decode(top["update"], path("update"), in: c),
            location: at)
    }
}

extension DecodeContext {
    /// A section's fields, or an empty set located at `fallback` when the section is absent or wrong.
    func section(_ node: SourceNode?, _ path: FieldPath, keys: [String], default fallback: SourceLocation) -> Fields {
        let empty = Fields(node: SourceNode(kind: .mapping([]), location: fallback), path: path, entries: [])
        guard let node else { return empty }
        return mapping(node, path, keys: keys)
            ?? Fields(node: SourceNode(kind: .mapping([]), location: node.location), path: path, entries: [])
    }
}

extension Profile.Apt {
    static let keys = ["refresh", "host-sources", "sources", "keyrings", "install-recommends"]

    static func decode(_ node: SourceNode?, _ path: FieldPath, default fallback: SourceLocation, in c: DecodeContext)
        -> Self
    {
        let f = c.section(node, path, keys: keys, default: fallback)
        let apt = Self(
            refresh: c.bool(f["refresh"], path.key("refresh")) ?? Located(false, at: f.location),
            hostSources: c.bool(f["host-sources"], path.key("host-sources")) ?? Located(true, at: f.location),
            sources: c.strings(f["sources"], path.key("sources"), .aptSource),
            keyrings: c.list(f["keyrings"], path.key("keyrings")).compactMap { c.hostPath($0.node, $0.path, .file) },
            installRecommends: c.bool(f["install-recommends"], path.key("install-recommends"))
                ?? Located(false, at: f.location),
            location: f.location)
        return apt
    }
}

extension Profile.Firstboot {
    static let keys = ["platform", "config"]
    static let configExtensions = [".ign", ".json", ".bu", ".yaml", ".yml"]

    static func decode(_ node: SourceNode?, _ path: FieldPath, default fallback: SourceLocation, in c: DecodeContext)
        -> Self
    {
        let f = c.section(node, path, keys: keys, default: fallback)
        let config = c.hostPath(f["config"], path.key("config"), .file)
        if let config, !configExtensions.contains(where: { config.value.written.lowercased().hasSuffix($0) }) {
            c.report(
                config.location, path.key("config"), value: config.value.written,
                "expected an Ignition config (.ign, .json) or a Butane-style YAML config (.bu, .yaml, .yml)")
        }
        return Self(
            platform: c.choice(f["platform"], path.key("platform")) ?? Located(.standard, at: f.location),
            config: config, location: f.location)
    }
}

extension Profile.Health {
    static let keys = ["timeout", "units", "daemons", "containers"]

    static func decode(_ node: SourceNode?, _ path: FieldPath, default fallback: SourceLocation, in c: DecodeContext)
        -> Self
    {
        let f = c.section(node, path, keys: keys, default: fallback)
        return Self(
            timeoutSeconds: c.duration(f["timeout"], path.key("timeout")) ?? Located(300, at: f.location),
            units: c.strings(f["units"], path.key("units"), .unitName),
            daemons: c.list(f["daemons"], path.key("daemons")).compactMap { c.choice($0.node, $0.path) },
            containers: c.strings(f["containers"], path.key("containers"), .containerName),
            location: f.location)
    }
}

extension Profile.Update {
    static let keys = ["keys", "tries"]

    /// Nil when the section is absent, reset with null, or not a mapping (reported).
    static func decode(_ node: SourceNode?, _ path: FieldPath, in c: DecodeContext) -> Self? {
        guard let node, let f = c.mapping(node, path, keys: keys) else { return nil }
        if !f.has("keys") { c.missing(f, "keys") }
        if let list = f["keys"], case .sequence(let items) = list.kind, items.isEmpty {
            c.report(list, path.key("keys"), "list at least one public key file")
        }
        let keys = c.list(f["keys"], path.key("keys")).compactMap { item -> Located<Profile.HostPath>? in
            if item.node.isNull {
                c.report(item.node, item.path, "an item of this list is empty; remove it or give it a value")
                return nil
            }
            return c.hostPath(item.node, item.path, .readableFile)
        }
        return Self(
            keys: keys,
            tries: c.integer(f["tries"], path.key("tries"), in: allowedTries) ?? Located(defaultTries, at: f.location),
            location: f.location)
    }
}

extension Profile.Services {
    static let keys = ["enable", "mask"]

    static func decode(_ node: SourceNode?, _ path: FieldPath, default fallback: SourceLocation, in c: DecodeContext)
        -> Self
    {
        let f = c.section(node, path, keys: keys, default: fallback)
        return Self(
            enable: c.strings(f["enable"], path.key("enable"), .unitName),
            mask: c.strings(f["mask"], path.key("mask"), .unitName),
            location: f.location)
    }
}
