// Which cloud (or hypervisor) the machine runs on: chosen by the profile through a kernel argument
// (`slipway.platform=`, or Ignition's `ignition.platform.id=`), detected from DMI data otherwise.

/// A platform with its own config source.
public enum Platform: String, Sendable, CaseIterable {
    case qemu
    case ec2
    case gce
    case openstack
    case metal

    /// The platform named on the command line, else the one DMI data points to, else `.metal`.
    public static func current(commandLine: String, dmiDirectory: String = "/sys/class/dmi/id") -> Platform {
        for key in ["slipway.platform", "ignition.platform.id"] {
            if let value = KernelCommandLine.value(of: key, in: commandLine) {
                if value == "aws" { return .ec2 }
                if value == "gcp" { return .gce }
                if let platform = Platform(rawValue: value) { return platform }
            }
        }
        return detect(dmiDirectory: dmiDirectory)
    }

    /// Platform detection from the DMI vendor and product strings.
    public static func detect(dmiDirectory: String = "/sys/class/dmi/id") -> Platform {
        let root = RootDirectory("/")
        func read(_ name: String) -> String {
            let bytes = (try? root.read(dmiDirectory + "/" + name)) ?? nil
            return bytes.map { String(decoding: $0, as: UTF8.self).trimmingSpaces.lowercased() } ?? ""
        }
        let vendor = read("sys_vendor")
        let product = read("product_name")
        let bios = read("bios_vendor")
        if vendor.contains("amazon") || bios.contains("amazon") || product.contains("ec2") { return .ec2 }
        if vendor.contains("google") || product.contains("google compute engine") { return .gce }
        if product.contains("openstack") || vendor.contains("openstack") { return .openstack }
        if vendor.contains("qemu") || product.contains("standard pc") { return .qemu }
        return .metal
    }
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
