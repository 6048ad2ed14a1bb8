// A kernel taken from a Debian kernel package's data archive (data.tar.* of linux-image-VERSION):
//
//   boot/vmlinuz-VERSION           the kernel image
//   boot/config-VERSION            the build configuration (which initrd compressions it unpacks)
//   lib/modules/VERSION/kernel/**  loadable modules (.ko, or .ko.xz / .ko.zst in newer releases)
//   lib/modules/VERSION/modules.builtin, modules.builtin.modinfo, modules.order
//
// Newer packages may put the modules under usr/lib/modules; both are read.
public import Archive

/// The kernel image, configuration and modules of one kernel release.
public struct KernelPackage: Sendable {
    /// The kernel release (`6.1.0-56-cloud-amd64`): the `uname -r` of the booted system.
    public let version: String
    /// The bootable image (`vmlinuz`).
    public let image: [UInt8]
    /// The build configuration, empty if the package ships none.
    public let config: KernelConfig
    /// Loadable and built-in modules.
    public let modules: KernelModules

    public init(version: String, image: [UInt8], config: KernelConfig, modules: KernelModules) {
        self.version = version
        self.image = image
        self.config = config
        self.modules = modules
    }

    /// Reads a kernel package's data archive from start to end. `label` names the package in errors
    /// (e.g. "linux-image-6.1.0-56-cloud-amd64_6.1.192-2_amd64.deb").
    public init(dataArchive reader: ArchiveReader, label: String) throws {
        var images: [String: [UInt8]] = [:]
        var configs: [String: [UInt8]] = [:]
        var moduleFiles: [String: [KernelModule]] = [:]
        var indexFiles: [String: [String: [UInt8]]] = [:]
        do {
            while let entry = try reader.next() {
                guard entry.type == .regular else { continue }
                let path = KernelPackage.normalized(entry.path)
                if let version = KernelPackage.suffix(of: path, after: "boot/vmlinuz-") {
                    images[version] = try reader.readAll(limit: 256 << 20)
                } else if let version = KernelPackage.suffix(of: path, after: "boot/config-") {
                    configs[version] = try reader.readAll(limit: 16 << 20)
                } else if let (version, relative) = KernelPackage.modulePath(path) {
                    if KernelModule.isModuleFile(relative) {
                        let module = try KernelModule(path: relative, file: try reader.readAll(limit: 256 << 20))
                        moduleFiles[version, default: []].append(module)
                    } else if KernelPackage.keptIndexFiles.contains(relative) {
                        indexFiles[version, default: [:]][relative] = try reader.readAll(limit: 64 << 20)
                    }
                }
            }
        } catch let error as ArchiveError {
            throw BootError(operation: "read kernel package", subject: label, message: error.description)
        } catch let error as BootError {
            throw BootError(operation: "read kernel package", subject: label, message: error.description)
        }

        guard images.count == 1, let (version, image) = images.first else {
            let found = images.keys.sorted().joined(separator: ", ")
            throw BootError(
                operation: "read kernel package", subject: label,
                message: images.isEmpty
                    ? "no boot/vmlinuz-VERSION in the package: is it a linux-image package?"
                    : "more than one kernel image (\(found)); name one kernel package per image")
        }
        let otherModuleVersions = Set(moduleFiles.keys).union(indexFiles.keys).subtracting([version])
        guard otherModuleVersions.isEmpty else {
            throw BootError(
                operation: "read kernel package", subject: label,
                message: "modules for \(otherModuleVersions.sorted().joined(separator: ", ")) do not match "
                    + "the kernel image \(version)")
        }
        let index = indexFiles[version] ?? [:]
        let builtin = index["modules.builtin"].map(KernelModules.builtinNames(fromModulesBuiltin:)) ?? []
        self.version = version
        self.image = image
        self.config = KernelConfig(text: configs[version] ?? [])
        do {
            self.modules = try KernelModules(
                version: version, modules: moduleFiles[version] ?? [], builtin: builtin, indexFiles: index)
        } catch let error as BootError {
            throw BootError(operation: "read kernel package", subject: label, message: error.description)
        }
    }

    /// The compression to write this kernel's initramfs with: zstd when it unpacks zstd
    /// (`CONFIG_RD_ZSTD=y`), else gzip (which every kernel with initrd support has had since 2.6).
    public var initramfsCompression: ArchiveCompression {
        if config.isBuiltIn("CONFIG_RD_ZSTD") { return .zstd }
        if config.isEmpty || config.isBuiltIn("CONFIG_RD_GZIP") { return .gzip }
        return .none
    }

    /// Index files copied into a root next to the modules (modules.dep is written fresh).
    static let keptIndexFiles: Set<String> = ["modules.builtin", "modules.builtin.modinfo", "modules.order"]

    private static func normalized(_ path: String) -> String {
        var rest = Substring(path)
        while true {
            if rest.hasPrefix("./") {
                rest = rest.dropFirst(2)
            } else if rest.hasPrefix("/") {
                rest = rest.dropFirst()
            } else {
                return String(rest)
            }
        }
    }

    private static func suffix(of path: String, after prefix: String) -> String? {
        guard path.hasPrefix(prefix) else { return nil }
        let rest = path.dropFirst(prefix.count)
        return rest.isEmpty || rest.contains("/") ? nil : String(rest)
    }

    /// `lib/modules/VER/kernel/x.ko` → (VER, "kernel/x.ko"), also below `usr/lib/modules`.
    private static func modulePath(_ path: String) -> (String, String)? {
        for prefix in ["lib/modules/", "usr/lib/modules/"] where path.hasPrefix(prefix) {
            let parts = path.dropFirst(prefix.count).split(separator: "/", maxSplits: 1)
            guard parts.count == 2 else { return nil }
            return (String(parts[0]), String(parts[1]))
        }
        return nil
    }
}

/// A kernel build configuration (`/boot/config-VERSION`): `CONFIG_X=y`, `=m`, `="text"`, `# ... is not set`.
public struct KernelConfig: Sendable {
    /// Values by option name (`CONFIG_RD_ZSTD` → `y`); options that are not set are absent.
    public let values: [String: String]

    public init(text: [UInt8]) {
        var values: [String: String] = [:]
        for line in text.split(separator: UInt8(ascii: "\n")) {
            let text = String(decoding: line, as: UTF8.self)
            guard text.hasPrefix("CONFIG_"), let equals = text.firstIndex(of: "=") else { continue }
            values[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        self.values = values
    }

    /// Whether the configuration has no options at all (the package shipped none).
    public var isEmpty: Bool { values.isEmpty }

    /// Whether `option` (`CONFIG_EXT4_FS`) is built into the kernel image (`=y`).
    public func isBuiltIn(_ option: String) -> Bool { values[option] == "y" }

    /// Whether `option` is built as a loadable module (`=m`).
    public func isModule(_ option: String) -> Bool { values[option] == "m" }
}
