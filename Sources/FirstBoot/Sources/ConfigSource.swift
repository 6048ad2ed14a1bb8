// Where a first-boot config comes from. Each source either yields the config bytes, says it has
// none (nil: try the next one), or fails (the boot stops and says why). The image tries them in
// `ConfigSources.standardOrder`: QEMU fw_cfg, the OEM partition, the kernel command line, the
// platform's metadata service, then the profile's embedded default.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// One place a config may come from.
public protocol ConfigSource: Sendable {
    /// A short description for logs and the result record ("qemu fw_cfg opt/com.coreos/config").
    var name: String { get }
    /// The config bytes, or nil when this source has no config for this machine.
    func fetch() throws(FirstBootError) -> [UInt8]?
}

/// A config in a file: QEMU's fw_cfg entry in sysfs, a file on the OEM partition, the embedded default.
public struct FileConfigSource: ConfigSource {
    public var name: String
    public var path: String

    /// QEMU passes `-fw_cfg name=opt/com.coreos/config,file=...`; the kernel exposes it here.
    public static func qemuFirmwareConfig(sysfs: String = "/sys/firmware/qemu_fw_cfg") -> FileConfigSource {
        FileConfigSource(name: "qemu fw_cfg opt/com.coreos/config", path: sysfs + "/by_name/opt/com.coreos/config/raw")
    }

    public init(name: String, path: String) {
        self.name = name
        self.path = path
    }

    public func fetch() throws(FirstBootError) -> [UInt8]? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        let root = RootDirectory("/")
        guard let bytes = try root.read(path) else {
            throw FirstBootError("read config", path, "not a regular file")
        }
        // An empty fw_cfg entry or file means "no config", not an empty (invalid) one.
        return bytes.allSatisfy(isBlank) ? nil : bytes
    }
}

/// Spaces, tabs and line breaks: a source holding only these has no config.
func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0a || byte == 0x09 || byte == 0x0d }

/// `slipway.config.url=URL` (or Ignition's `ignition.config.url=`) on the kernel command line;
/// data:, http: (and https: where the fetcher supports it) URLs.
public struct KernelCommandLineSource: ConfigSource {
    public var commandLine: String
    public var fetcher: any ResourceFetcher
    /// Seconds to keep retrying a failing fetch (the network may come up late); nil: forever.
    public var totalSeconds: Double?

    public init(commandLine: String, fetcher: any ResourceFetcher = StandardFetcher(), totalSeconds: Double? = 120) {
        self.commandLine = commandLine
        self.fetcher = fetcher
        self.totalSeconds = totalSeconds
    }

    public var name: String { "kernel command line " + (url.map { "slipway.config.url=\($0.prefix(60))" } ?? "") }

    /// The URL given on the command line, if any (the last one wins, as with kernel parameters).
    public var url: String? {
        KernelCommandLine.value(of: "slipway.config.url", in: commandLine)
            ?? KernelCommandLine.value(of: "ignition.config.url", in: commandLine)
    }

    public func fetch() throws(FirstBootError) -> [UInt8]? {
        guard let url else { return nil }
        let loader = ResourceLoader(fetcher: fetcher, defaultTotalSeconds: totalSeconds)
        return try loader.load(Resource(source: url), subject: "slipway.config.url")
    }
}

/// Kernel command line parsing (`key=value` words, double quotes group words).
public enum KernelCommandLine {
    /// The words of a command line.
    public static func words(_ commandLine: String) -> [String] {
        var words: [String] = []
        var current = ""
        var quoted = false
        var inWord = false
        for character in commandLine {
            if character == "\"" {
                quoted.toggle()
                inWord = true
            } else if character.isWhitespace && !quoted {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else {
                current.append(character)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }

    /// The value of the last `key=value` word for `key`.
    public static func value(of key: String, in commandLine: String) -> String? {
        words(commandLine).last { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
    }
}
