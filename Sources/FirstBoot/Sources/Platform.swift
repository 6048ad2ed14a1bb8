// Which cloud (or hypervisor) the machine runs on: chosen at build time through a kernel argument
// (`slipway.platform=`, or Ignition's `ignition.platform.id=`), detected from DMI data otherwise.

/// A platform with its own config source.
public enum Platform: String, Sendable, CaseIterable {
    case qemu
    case ec2
    case gce
    case azure
    case openstack
    case digitalocean
    case metal

    /// The platform a kernel argument names: slipway's names (the profile's `aws` and `gce`) and
    /// Ignition's platform ids (`aws`, `gcp`), or nil for a name it does not know.
    public static func named(_ value: String) -> Platform? {
        switch value {
        case "aws": .ec2
        case "gcp": .gce
        default: Platform(rawValue: value)
        }
    }

    /// The names `named` takes, for the message about one it does not.
    public static let names = "qemu, aws (ec2), gce (gcp), azure, openstack, digitalocean, metal"

    /// The platform named on the command line, else the one DMI data points to, else `.metal`.
    public static func current(commandLine: String, dmiDirectory: String = "/sys/class/dmi/id") -> Platform {
        for key in ["slipway.platform", "ignition.platform.id"] {
            if let value = KernelCommandLine.value(of: key, in: commandLine), let platform = named(value) {
                return platform
            }
        }
        return detect(dmiDirectory: dmiDirectory)
    }

    /// Platform detection from the DMI vendor and product strings.
    public static func detect(dmiDirectory: String = "/sys/class/dmi/id") -> Platform {
        let root = RootDirectory("/")
        func read(_ name: String) -> String {
            let bytes = (try? root.read(dmiDirectory + "/" + name)) ?? nil
            // sysfs ends each value with a line break.
            let text = bytes.map { String(decoding: $0.filter { $0 != 0x0a }, as: UTF8.self) } ?? ""
            return text.trimmingSpaces.lowercased()
        }
        let vendor = read("sys_vendor")
        let product = read("product_name")
        let bios = read("bios_vendor")
        // Hyper-V machines elsewhere share Azure's vendor; Azure's chassis asset tag is its own.
        if vendor == "microsoft corporation" && read("chassis_asset_tag") == Self.azureAssetTag { return .azure }
        if vendor == "digitalocean" { return .digitalocean }
        if vendor.contains("amazon") || bios.contains("amazon") || product.contains("ec2") { return .ec2 }
        if vendor.contains("google") || product.contains("google compute engine") { return .gce }
        if product.contains("openstack") || vendor.contains("openstack") { return .openstack }
        if vendor.contains("qemu") || product.contains("standard pc") { return .qemu }
        return .metal
    }

    /// The DMI chassis asset tag of every Azure VM.
    static let azureAssetTag = "7783-7084-3265-9085-8269-3286-77"
}

/// The order in which the image looks for a config.
public enum ConfigSources {
    /// fw_cfg, the OEM file, the kernel command line, the platform's service, the embedded default.
    /// `configDriveMount` is where the initrd mounted an OpenStack config drive, if it found one.
    public static func standardOrder(
        platform: Platform, commandLine: String, oemConfigPath: String, embeddedConfigPath: String,
        configDriveMount: String? = nil, fetcher: any ResourceFetcher = StandardFetcher()
    ) -> [any ConfigSource] {
        var sources: [any ConfigSource] = [
            FileConfigSource.qemuFirmwareConfig(),
            FileConfigSource(name: "OEM partition \(oemConfigPath)", path: oemConfigPath),
            KernelCommandLineSource(commandLine: commandLine, fetcher: fetcher),
        ]
        switch platform {
        case .ec2: sources.append(EC2Source())
        case .gce: sources.append(GCESource())
        case .azure: sources.append(AzureSource())
        case .digitalocean: sources.append(DigitalOceanSource())
        case .openstack:
            if let configDriveMount { sources.append(OpenStackConfigDriveSource(mountPoint: configDriveMount)) }
            sources.append(OpenStackMetadataSource())
        case .qemu, .metal: break
        }
        sources.append(FileConfigSource(name: "embedded default \(embeddedConfigPath)", path: embeddedConfigPath))
        return sources
    }

    /// The first config any source yields, with the source's name; nil when none has one.
    public static func first(_ sources: [any ConfigSource]) throws(FirstBootError) -> (name: String, bytes: [UInt8])? {
        for source in sources {
            if let bytes = try source.fetch() { return (source.name, bytes) }
        }
        return nil
    }
}
