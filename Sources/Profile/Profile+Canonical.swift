// The canonical form of a resolved profile: every key in a fixed order, every default written out,
// names sorted, sizes in their canonical unit, host paths relative to the loaded profile. It is what
// `slipway profile show` prints, it loads back as the same profile (from the same directory), and its
// SHA-256 is the profile digest that reproducible builds record. Locations are not part of it, so
// moving a key or splitting a profile with `extends:` does not change the digest.
import Hashing

extension Profile {
    /// The canonical tree; `canonicalYAML` and `canonicalJSON` are its two spellings.
    public var canonical: CanonicalValue {
        var top: [(String, CanonicalValue)] = [("name", .string(name.value))]
        if let description { top.append(("description", .string(description.value))) }
        top += [
            ("version", .string(version.value)),
            ("architecture", .string(architecture.value.rawValue)),
            ("hostname", .string(hostname.value)),
            ("apt", apt.canonical),
            ("root", root.canonical),
            ("kernel", kernel.canonical),
            ("init", .string(initPath.value)),
            ("rescue-shell", .bool(rescueShell.value)),
            ("disk", disk.canonical),
            ("users", .map(users.map { ($0.name.value, $0.canonical) })),
            ("groups", .map(groups.map { ($0.name.value, .map([("gid", .integer(Int64($0.gid.value)))])) })),
            ("services", .map([("enable", strings(services.enable)), ("mask", strings(services.mask))])),
            ("system", .map(system.map { ($0.name.value, $0.canonical) })),
            ("images", .map(images.map { ($0.reference.value, $0.canonical) })),
            ("firstboot", firstboot.canonical),
            ("health", health.canonical),
        ]
        if let update { top.append(("update", update.canonical)) }
        return .map(top)
    }

    /// The canonical form as YAML: the output of `slipway profile show`.
    public var canonicalYAML: String { canonical.yaml }

    /// The canonical form as JSON: the output of `slipway profile show --json`.
    public var canonicalJSON: String { canonical.json(pretty: true) + "\n" }

    /// The profile digest: lower-case hex SHA-256 of `canonicalYAML`'s UTF-8 bytes. It covers the
    /// profile's settings, not the contents of the files it names (the build records those itself).
    public var digest: String { SHA256.hexDigest(Array(canonicalYAML.utf8)) }
}

func strings(_ items: [Located<String>]) -> CanonicalValue { .list(items.map { .string($0.value) }) }

func octal(_ mode: UInt16) -> CanonicalValue {
    let digits = String(mode, radix: 8)
    return .string(String(repeating: "0", count: max(0, 4 - digits.count)) + digits)
}

extension Profile.Apt {
    var canonical: CanonicalValue {
        .map([
            ("refresh", .bool(refresh.value)),
            ("host-sources", .bool(hostSources.value)),
            ("sources", strings(sources)),
            ("keyrings", .list(keyrings.map { .string($0.value.canonical) })),
            ("install-recommends", .bool(installRecommends.value)),
        ])
    }
}

extension Profile.Root {
    var canonical: CanonicalValue {
        .map([
            ("layers", .list(layers.map(\.canonical))),
            ("remove", strings(remove)),
            ("size", .string(size.value.description)),
            ("headroom", .string(headroom.value.description)),
            ("read-only", .bool(readOnly.value)),
            ("verity", .bool(verity.value)),
        ])
    }
}

extension Profile.Layer {
    var canonical: CanonicalValue {
        func path(_ located: Located<Profile.HostPath>) -> CanonicalValue { .string(located.value.canonical) }
        switch source {
        case .packages(let names): return .map([("packages", strings(names))])
        case .tar(let file): return .map([("tar", path(file))])
        case .oci(let layout, let ref):
            return .map([("oci", path(layout))] + (ref.map { [("ref", .string($0.value))] } ?? []))
        case .dockerArchive(let archive, let ref):
            return .map([("docker-archive", path(archive))] + (ref.map { [("ref", .string($0.value))] } ?? []))
        case .overlay(let directory, let owner):
            return .map(
                [("overlay", path(directory))] + (owner.map { [("owner", .string($0.value.description))] } ?? []))
        case .files(let files):
            return .map([
                (
                    "files",
                    .list(
                        files.map { file in
                            let content: (String, CanonicalValue)
                            switch file.content.value {
                            case .text(let text): content = ("content", .string(text))
                            case .source(let source): content = ("source", .string(source.canonical))
                            }
                            return .map([
                                ("path", .string(file.path.value)), content, ("mode", octal(file.mode.value)),
                                ("owner", .string(file.owner.value.description)),
                            ])
                        })
                )
            ])
        case .symlinks(let links):
            return .map([
                (
                    "symlinks",
                    .list(
                        links.map {
                            .map([
                                ("path", .string($0.path.value)), ("target", .string($0.target.value)),
                                ("owner", .string($0.owner.value.description)),
                            ])
                        })
                )
            ])
        case .directories(let directories):
            return .map([
                (
                    "directories",
                    .list(
                        directories.map {
                            .map([
                                ("path", .string($0.path.value)), ("mode", octal($0.mode.value)),
                                ("owner", .string($0.owner.value.description)),
                            ])
                        })
                )
            ])
        }
    }
}

extension Profile.Kernel {
    var canonical: CanonicalValue {
        var entries: [(String, CanonicalValue)]
        switch source.value {
        case .package(let name): entries = [("package", .string(name))]
        case .files(let image, let modules, let config):
            var files: [(String, CanonicalValue)] = [("image", .string(image.canonical))]
            if let modules { files.append(("modules-dir", .string(modules.value.canonical))) }
            if let config { files.append(("config", .string(config.value.canonical))) }
            entries = [("files", .map(files))]
        }
        entries.append(("cmdline", strings(cmdline)))
        entries.append(("modules", .map([("initrd", strings(initrdModules)), ("root", strings(rootModules))])))
        // Only when on, so that the digests (and every identifier derived from them) of profiles
        // written before the key existed stay as they were.
        if uki.value { entries.append(("uki", .bool(true))) }
        return .map(entries)
    }
}

extension Profile.DiskLayout {
    var canonical: CanonicalValue {
        .map([
            ("size", .string(size.value.description)),
            ("esp", .string(Profile.formatSize(esp.value))),
            ("root", .string(root.value.description)),
            ("oem", .string(oem.map { Profile.formatSize($0.value) } ?? "none")),
            ("state", .string(Profile.formatSize(state.value))),
            ("format", .string(format.value.rawValue)),
        ])
    }
}

extension Profile.User {
    var canonical: CanonicalValue {
        var entries: [(String, CanonicalValue)] = [
            ("uid", .integer(Int64(uid.value))), ("gid", .integer(Int64(gid.value))), ("groups", strings(groups)),
            ("home", .string(home.value)), ("shell", .string(shell.value)),
        ]
        if let gecos { entries.append(("gecos", .string(gecos.value))) }
        return .map(entries)
    }
}

extension Profile.SystemContainer {
    var canonical: CanonicalValue {
        var entries: [(String, CanonicalValue)] = [("image", image.canonical)]
        if let command { entries.append(("command", strings(command))) }
        entries += [
            ("environment", .map(environment.map { ($0.name.value, .string($0.value.value)) })),
            ("mounts", .list(mounts.map(\.canonical))),
            ("network", .string(network.value.rawValue)),
            ("pid", .string(pid.value.rawValue)),
            ("privileged", .bool(privileged.value)),
            ("capabilities", strings(capabilities)),
            ("restart", .string(restart.value.rawValue)),
            ("depends-on", strings(dependsOn)),
        ]
        return .map(entries)
    }
}

extension Profile.Image {
    var canonical: CanonicalValue {
        var entries: [(String, CanonicalValue)] = []
        switch source {
        case .layers(let layers): entries.append(("layers", .list(layers.map(\.canonical))))
        case .archive(let archive, let ref):
            entries.append(("archive", .string(archive.value.canonical)))
            if let ref { entries.append(("ref", .string(ref.value))) }
        }
        if let entrypoint { entries.append(("entrypoint", strings(entrypoint))) }
        if let cmd { entries.append(("cmd", strings(cmd))) }
        if !env.isEmpty { entries.append(("env", .map(env.map { ($0.name.value, .string($0.value.value)) }))) }
        if let workingDir { entries.append(("working-dir", .string(workingDir.value))) }
        if let user { entries.append(("user", .string(user.value))) }
        return .map(entries)
    }
}

extension Profile.Mount {
    var canonical: CanonicalValue {
        var entries: [(String, CanonicalValue)] = [("type", .string(type.value.rawValue))]
        if let source { entries.append(("source", .string(source.value))) }
        entries += [("target", .string(target.value)), ("read-only", .bool(readOnly.value))]
        return .map(entries)
    }
}

extension Profile.Firstboot {
    var canonical: CanonicalValue {
        var entries: [(String, CanonicalValue)] = [("platform", .string(platform.value.rawValue))]
        if let config { entries.append(("config", .string(config.value.canonical))) }
        return .map(entries)
    }
}

extension Profile.Health {
    var canonical: CanonicalValue {
        .map([
            ("timeout", .string("\(timeoutSeconds.value)s")),
            ("units", strings(units)),
            ("daemons", .list(daemons.map { .string($0.value.rawValue) })),
            ("containers", strings(containers)),
        ])
    }
}

extension Profile.Update {
    var canonical: CanonicalValue {
        .map([
            ("keys", .list(keys.map { .string($0.value.canonical) })),
            ("tries", .integer(Int64(tries.value))),
        ])
    }
}
