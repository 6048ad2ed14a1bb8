// The Ignition v3 config model: one set of types covering every field of spec 3.0.0 to 3.5.0.
// Optional fields stay optional (nil = not specified) because merge and apply semantics depend on
// "unspecified" versus "false"/"0"/"". Field names follow the JSON keys.

/// A complete first-boot config.
public struct Config: Sendable, Equatable {
    public var ignition = Ignition()
    public var storage = Storage()
    public var systemd = Systemd()
    public var passwd = Passwd()
    public var kernelArguments = KernelArguments()

    public init() {}

    /// The config's spec version, or nil when `ignition.version` is missing or unsupported.
    public var version: SpecVersion? { ignition.version.flatMap(SpecVersion.init(string:)) }
}

/// The `ignition` section: metadata about the config itself.
public struct Ignition: Sendable, Equatable {
    public var version: String?
    public var config = IgnitionConfig()
    public var timeouts = Timeouts()
    public var security = Security()
    public var proxy = Proxy()
    public init() {}
}

/// `ignition.config`: other configs to merge into this one, or to replace it with.
public struct IgnitionConfig: Sendable, Equatable {
    public var merge: [Resource] = []
    public var replace = Resource()
    public init() {}
}

/// A fetchable resource: file contents, an appended fragment, a config, a CA bundle, a key file.
public struct Resource: Sendable, Equatable {
    public var source: String?
    public var compression: String?
    public var httpHeaders: [HTTPHeader] = []
    public var verification = Verification()
    public init(source: String? = nil) { self.source = source }

    /// Whether any field is set (a `replace` with nothing in it means "no replacement").
    public var isSpecified: Bool {
        source != nil || compression != nil || !httpHeaders.isEmpty || verification.hash != nil
    }
}

/// One extra HTTP request header; a nil value removes a header of that name when merging.
public struct HTTPHeader: Sendable, Equatable {
    public var name: String
    public var value: String?
    public init(name: String, value: String?) {
        self.name = name
        self.value = value
    }
}

/// The expected digest of a resource, `sha512-<hex>` or `sha256-<hex>`.
public struct Verification: Sendable, Equatable {
    public var hash: String?
    public init(hash: String? = nil) { self.hash = hash }
}

/// HTTP timeouts in seconds.
public struct Timeouts: Sendable, Equatable {
    public var httpResponseHeaders: Int?
    public var httpTotal: Int?
    public init() {}
}

/// `ignition.security`.
public struct Security: Sendable, Equatable {
    public var tls = TLS()
    public init() {}
}

/// Extra certificate authorities for https.
public struct TLS: Sendable, Equatable {
    public var certificateAuthorities: [Resource] = []
    public init() {}
}

/// HTTP(S) proxies used while fetching.
public struct Proxy: Sendable, Equatable {
    public var httpProxy: String?
    public var httpsProxy: String?
    public var noProxy: [String] = []
    public init() {}
}

/// The `storage` section.
public struct Storage: Sendable, Equatable {
    public var disks: [Disk] = []
    public var raid: [Raid] = []
    public var filesystems: [Filesystem] = []
    public var files: [File] = []
    public var directories: [Directory] = []
    public var links: [Link] = []
    public var luks: [Luks] = []
    public init() {}
}

/// The owner (user or group) of a file, directory or link, by id or by name in the target root.
public struct NodeOwner: Sendable, Equatable {
    public var id: Int?
    public var name: String?
    public init(id: Int? = nil, name: String? = nil) {
        self.id = id
        self.name = name
    }

    var isSpecified: Bool { id != nil || !(name ?? "").isEmpty }
}

/// A regular file to write.
public struct File: Sendable, Equatable {
    public var path: String
    public var overwrite: Bool?
    public var user = NodeOwner()
    public var group = NodeOwner()
    public var contents = Resource()
    public var append: [Resource] = []
    public var mode: Int?
    public init(path: String) { self.path = path }
}

/// A directory to create.
public struct Directory: Sendable, Equatable {
    public var path: String
    public var overwrite: Bool?
    public var user = NodeOwner()
    public var group = NodeOwner()
    public var mode: Int?
    public init(path: String) { self.path = path }
}

/// A symbolic or hard link to create.
public struct Link: Sendable, Equatable {
    public var path: String
    public var overwrite: Bool?
    public var user = NodeOwner()
    public var group = NodeOwner()
    public var target: String?
    public var hard: Bool?
    public init(path: String, target: String? = nil) {
        self.path = path
        self.target = target
    }
}

/// A disk whose partition table is described.
public struct Disk: Sendable, Equatable {
    public var device: String
    public var wipeTable: Bool?
    public var partitions: [Partition] = []
    public init(device: String) { self.device = device }
}

/// A GPT partition on a disk.
public struct Partition: Sendable, Equatable {
    public var label: String?
    /// 0 means "the next free slot" (and is what an absent number decodes to, as in Ignition).
    public var number: Int = 0
    public var sizeMiB: Int?
    public var startMiB: Int?
    public var typeGuid: String?
    public var guid: String?
    public var wipePartitionEntry: Bool?
    public var shouldExist: Bool?
    public var resize: Bool?
    public init() {}
}

/// A software RAID array.
public struct Raid: Sendable, Equatable {
    public var name: String
    public var level: String?
    public var devices: [String] = []
    public var spares: Int?
    public var options: [String] = []
    public init(name: String) { self.name = name }
}

/// A filesystem to create or reuse on a device.
public struct Filesystem: Sendable, Equatable {
    public var device: String
    public var format: String?
    public var path: String?
    public var label: String?
    public var uuid: String?
    public var wipeFilesystem: Bool?
    public var options: [String] = []
    public var mountOptions: [String] = []
    public init(device: String) { self.device = device }
}

/// A LUKS2 volume.
public struct Luks: Sendable, Equatable {
    public var name: String
    public var device: String?
    public var keyFile = Resource()
    public var label: String?
    public var uuid: String?
    public var options: [String] = []
    public var discard: Bool?
    public var openOptions: [String] = []
    public var wipeVolume: Bool?
    public var clevis = Clevis()
    public var cex = Cex()
    public init(name: String) { self.name = name }
}

/// Clevis bindings of a LUKS volume.
public struct Clevis: Sendable, Equatable {
    public var tang: [Tang] = []
    public var tpm2: Bool?
    public var threshold: Int?
    public var custom = ClevisCustom()
    public init() {}
}

/// A hand-written clevis pin and config.
public struct ClevisCustom: Sendable, Equatable {
    public var pin: String?
    public var config: String?
    public var needsNetwork: Bool?
    public init() {}

    var isSpecified: Bool { !(pin ?? "").isEmpty || !(config ?? "").isEmpty || needsNetwork == true }
}

/// A tang server.
public struct Tang: Sendable, Equatable {
    public var url: String
    public var thumbprint: String?
    public var advertisement: String?
    public init(url: String) { self.url = url }
}

/// IBM Crypto Express settings (spec 3.5).
public struct Cex: Sendable, Equatable {
    public var enabled: Bool?
    public init() {}
}

/// The `systemd` section.
public struct Systemd: Sendable, Equatable {
    public var units: [Unit] = []
    public init() {}
}

/// A systemd unit: contents, drop-ins, enablement and masking.
public struct Unit: Sendable, Equatable {
    public var name: String
    public var enabled: Bool?
    public var mask: Bool?
    public var contents: String?
    public var dropins: [Dropin] = []
    public init(name: String) { self.name = name }
}

/// A drop-in (`NAME.d/FILE.conf`) for a unit.
public struct Dropin: Sendable, Equatable {
    public var name: String
    public var contents: String?
    public init(name: String, contents: String? = nil) {
        self.name = name
        self.contents = contents
    }
}

/// The `passwd` section.
public struct Passwd: Sendable, Equatable {
    public var users: [PasswdUser] = []
    public var groups: [PasswdGroup] = []
    public init() {}
}

/// A user account that shall (or shall not) exist.
public struct PasswdUser: Sendable, Equatable {
    public var name: String
    public var passwordHash: String?
    public var sshAuthorizedKeys: [String] = []
    public var uid: Int?
    public var gecos: String?
    public var homeDir: String?
    public var noCreateHome: Bool?
    public var primaryGroup: String?
    public var groups: [String] = []
    public var noUserGroup: Bool?
    public var noLogInit: Bool?
    public var shell: String?
    public var shouldExist: Bool?
    public var system: Bool?
    public init(name: String) { self.name = name }
}

/// A group that shall (or shall not) exist.
public struct PasswdGroup: Sendable, Equatable {
    public var name: String
    public var gid: Int?
    public var passwordHash: String?
    public var shouldExist: Bool?
    public var system: Bool?
    public init(name: String) { self.name = name }
}

/// Kernel arguments the booted system should and should not have.
public struct KernelArguments: Sendable, Equatable {
    public var shouldExist: [String] = []
    public var shouldNotExist: [String] = []
    public init() {}
}
