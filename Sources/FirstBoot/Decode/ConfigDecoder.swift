// Decodes a config document section by section. `since:` marks keys added after 3.0.0; for older
// configs those keys are unknown (a warning), exactly as Ignition's per-version structs behave.

/// Decodes JSON into a `Config` for a known spec version.
enum ConfigDecoder {
    static func decode(_ root: JSONNode, context: DecodeContext) -> Config {
        var config = Config()
        guard var fields = Fields(root, .root, context) else { return config }
        config.ignition = fields.object("ignition", ignition) ?? Ignition()
        config.storage = fields.object("storage", storage) ?? Storage()
        config.systemd = fields.object("systemd", systemd) ?? Systemd()
        config.passwd = fields.object("passwd", passwd) ?? Passwd()
        config.kernelArguments = fields.object("kernelArguments", since: .v3_3, kernelArguments) ?? KernelArguments()
        fields.finish()
        return config
    }

    // MARK: ignition

    static func ignition(_ f: inout Fields) -> Ignition {
        var value = Ignition()
        value.version = f.string("version")
        value.config =
            f.object("config") { f in
                var config = IgnitionConfig()
                config.merge = f.objects("merge") { resource(&$0, compressionSince: .v3_1) }
                config.replace = f.object("replace") { resource(&$0, compressionSince: .v3_1) } ?? Resource()
                return config
            } ?? IgnitionConfig()
        value.timeouts =
            f.object("timeouts") { f in
                var timeouts = Timeouts()
                timeouts.httpResponseHeaders = f.int("httpResponseHeaders")
                timeouts.httpTotal = f.int("httpTotal")
                return timeouts
            } ?? Timeouts()
        value.security =
            f.object("security") { f in
                var security = Security()
                security.tls =
                    f.object("tls") { f in
                        var tls = TLS()
                        tls.certificateAuthorities = f.objects("certificateAuthorities") {
                            resource(&$0, compressionSince: .v3_1)
                        }
                        return tls
                    } ?? TLS()
                return security
            } ?? Security()
        value.proxy =
            f.object("proxy", since: .v3_1) { f in
                var proxy = Proxy()
                proxy.httpProxy = f.string("httpProxy")
                proxy.httpsProxy = f.string("httpsProxy")
                proxy.noProxy = f.strings("noProxy")
                return proxy
            } ?? Proxy()
        return value
    }

    /// A resource. In 3.0.0 config and CA references had no `compression`; nothing had `httpHeaders`.
    static func resource(_ f: inout Fields, compressionSince: SpecVersion) -> Resource {
        var value = Resource()
        value.source = f.string("source")
        value.compression = f.string("compression", since: compressionSince)
        value.httpHeaders = f.objects("httpHeaders", since: .v3_1) { f in
            HTTPHeader(name: f.string("name") ?? "", value: f.string("value"))
        }
        value.verification = f.object("verification") { f in Verification(hash: f.string("hash")) } ?? Verification()
        return value
    }

    static func owner(_ f: inout Fields) -> NodeOwner {
        NodeOwner(id: f.int("id"), name: f.string("name"))
    }

    // MARK: storage

    static func storage(_ f: inout Fields) -> Storage {
        var value = Storage()
        value.disks = f.objects("disks", disk)
        value.raid = f.objects("raid", raid)
        value.filesystems = f.objects("filesystems", filesystem)
        value.files = f.objects("files", file)
        value.directories = f.objects("directories", directory)
        value.links = f.objects("links", link)
        value.luks = f.objects("luks", since: .v3_2, luks)
        return value
    }

    static func file(_ f: inout Fields) -> File {
        var value = File(path: f.string("path") ?? "")
        value.overwrite = f.bool("overwrite")
        value.user = f.object("user", owner) ?? NodeOwner()
        value.group = f.object("group", owner) ?? NodeOwner()
        value.contents = f.object("contents") { resource(&$0, compressionSince: .v3_0) } ?? Resource()
        value.append = f.objects("append") { resource(&$0, compressionSince: .v3_0) }
        value.mode = f.int("mode")
        return value
    }

    static func directory(_ f: inout Fields) -> Directory {
        var value = Directory(path: f.string("path") ?? "")
        value.overwrite = f.bool("overwrite")
        value.user = f.object("user", owner) ?? NodeOwner()
        value.group = f.object("group", owner) ?? NodeOwner()
        value.mode = f.int("mode")
        return value
    }

    static func link(_ f: inout Fields) -> Link {
        var value = Link(path: f.string("path") ?? "")
        value.overwrite = f.bool("overwrite")
        value.user = f.object("user", owner) ?? NodeOwner()
        value.group = f.object("group", owner) ?? NodeOwner()
        value.target = f.string("target")
        value.hard = f.bool("hard")
        return value
    }

    static func disk(_ f: inout Fields) -> Disk {
        var value = Disk(device: f.string("device") ?? "")
        value.wipeTable = f.bool("wipeTable")
        value.partitions = f.objects("partitions") { f in
            var partition = Partition()
            partition.label = f.string("label")
            partition.number = f.int("number") ?? 0
            partition.sizeMiB = f.int("sizeMiB")
            partition.startMiB = f.int("startMiB")
            partition.typeGuid = f.string("typeGuid")
            partition.guid = f.string("guid")
            partition.wipePartitionEntry = f.bool("wipePartitionEntry")
            partition.shouldExist = f.bool("shouldExist")
            partition.resize = f.bool("resize", since: .v3_2)
            return partition
        }
        return value
    }

    static func raid(_ f: inout Fields) -> Raid {
        var value = Raid(name: f.string("name") ?? "")
        value.level = f.string("level")
        value.devices = f.strings("devices")
        value.spares = f.int("spares")
        value.options = f.strings("options")
        return value
    }

    static func filesystem(_ f: inout Fields) -> Filesystem {
        var value = Filesystem(device: f.string("device") ?? "")
        value.format = f.string("format")
        value.path = f.string("path")
        value.label = f.string("label")
        value.uuid = f.string("uuid")
        value.wipeFilesystem = f.bool("wipeFilesystem")
        value.options = f.strings("options")
        value.mountOptions = f.strings("mountOptions", since: .v3_1)
        return value
    }

    static func luks(_ f: inout Fields) -> Luks {
        var value = Luks(name: f.string("name") ?? "")
        value.device = f.string("device")
        value.keyFile = f.object("keyFile") { resource(&$0, compressionSince: .v3_0) } ?? Resource()
        value.label = f.string("label")
        value.uuid = f.string("uuid")
        value.options = f.strings("options")
        value.discard = f.bool("discard", since: .v3_4)
        value.openOptions = f.strings("openOptions", since: .v3_4)
        value.wipeVolume = f.bool("wipeVolume")
        value.clevis =
            f.object("clevis") { f in
                var clevis = Clevis()
                clevis.tang = f.objects("tang") { f in
                    var tang = Tang(url: f.string("url") ?? "")
                    tang.thumbprint = f.string("thumbprint")
                    tang.advertisement = f.string("advertisement", since: .v3_4)
                    return tang
                }
                clevis.tpm2 = f.bool("tpm2")
                clevis.threshold = f.int("threshold")
                clevis.custom =
                    f.object("custom") { f in
                        var custom = ClevisCustom()
                        custom.pin = f.string("pin")
                        custom.config = f.string("config")
                        custom.needsNetwork = f.bool("needsNetwork")
                        return custom
                    } ?? ClevisCustom()
                return clevis
            } ?? Clevis()
        value.cex =
            f.object("cex", since: .v3_5) { f in
                var cex = Cex()
                cex.enabled = f.bool("enabled")
                return cex
            } ?? Cex()
        return value
    }

    // MARK: systemd, passwd, kernel arguments

    static func systemd(_ f: inout Fields) -> Systemd {
        var value = Systemd()
        value.units = f.objects("units") { f in
            var unit = Unit(name: f.string("name") ?? "")
            unit.enabled = f.bool("enabled")
            unit.mask = f.bool("mask")
            unit.contents = f.string("contents")
            unit.dropins = f.objects("dropins") { f in
                Dropin(name: f.string("name") ?? "", contents: f.string("contents"))
            }
            return unit
        }
        return value
    }

    static func passwd(_ f: inout Fields) -> Passwd {
        var value = Passwd()
        value.users = f.objects("users") { f in
            var user = PasswdUser(name: f.requiredString("name", missing: TextRules.missingNameProblem(kind: "user")))
            user.passwordHash = f.string("passwordHash")
            user.sshAuthorizedKeys = f.strings("sshAuthorizedKeys")
            user.uid = f.int("uid")
            user.gecos = f.string("gecos")
            user.homeDir = f.string("homeDir")
            user.noCreateHome = f.bool("noCreateHome")
            user.primaryGroup = f.string("primaryGroup")
            user.groups = f.strings("groups")
            user.noUserGroup = f.bool("noUserGroup")
            user.noLogInit = f.bool("noLogInit")
            user.shell = f.string("shell")
            user.shouldExist = f.bool("shouldExist", since: .v3_2)
            user.system = f.bool("system")
            return user
        }
        value.groups = f.objects("groups") { f in
            var group = PasswdGroup(
                name: f.requiredString("name", missing: TextRules.missingNameProblem(kind: "group")))
            group.gid = f.int("gid")
            group.passwordHash = f.string("passwordHash")
            group.shouldExist = f.bool("shouldExist", since: .v3_2)
            group.system = f.bool("system")
            return group
        }
        return value
    }

    static func kernelArguments(_ f: inout Fields) -> KernelArguments {
        var value = KernelArguments()
        value.shouldExist = f.strings("shouldExist")
        value.shouldNotExist = f.strings("shouldNotExist")
        return value
    }
}
