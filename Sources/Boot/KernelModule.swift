// A loadable kernel module and what its .modinfo section says about it.
//
// Debian's kernel packages ship no modules.dep (depmod runs in the package's postinst), so each
// module's dependencies come from its own `.modinfo` section: NUL-separated `key=value` strings such
// as `name=bridge`, `depends=llc,stp`, `alias=...`, written by modpost when the kernel was built.
import Archive

/// One loadable module of a kernel package.
public struct KernelModule: Sendable, Hashable {
    /// The module's name as the kernel knows it, with every "-" written "_" (`br_netfilter`).
    public let name: String
    /// The file's path below /lib/modules/VERSION as shipped, e.g. `kernel/net/bridge/bridge.ko`
    /// (or `.ko.xz`, `.ko.zst`, `.ko.gz`).
    public let path: String
    /// Names of the modules that must be loaded first (`depends=`), normalized like `name`.
    public let dependencies: [String]
    /// Device and feature aliases the module answers to (`alias=`: `fs-overlay`, `pci:v00001AF4d*...`).
    public let aliases: [String]
    /// The file exactly as shipped, possibly compressed.
    public let file: [UInt8]

    public init(name: String, path: String, dependencies: [String], aliases: [String] = [], file: [UInt8]) {
        self.name = KernelModule.canonicalName(name)
        self.path = path
        self.dependencies = dependencies.map(KernelModule.canonicalName)
        self.aliases = aliases
        self.file = file
    }

    /// Reads the name and dependencies of the module file `file` found at `path`.
    /// Compressed modules are decompressed to read them; `file` is kept as it is.
    public init(path: String, file: [UInt8]) throws {
        let object = try KernelModule.object(of: file, path: path)
        let info = try ELF(object, label: path).strings(inSection: ".modinfo")
        var name: String?
        var dependencies: [String] = []
        var aliases: [String] = []
        for field in info {
            if field.hasPrefix("alias=") {
                aliases.append(String(field.dropFirst(6)))
            } else if field.hasPrefix("name=") {
                name = String(field.dropFirst(5))
            } else if field.hasPrefix("depends=") {
                dependencies = field.dropFirst(8).split(separator: ",").map(String.init).filter { !$0.isEmpty }
            }
        }
        // Modules built before `name=` existed are named after their file.
        self.init(
            name: name ?? KernelModule.name(fromPath: path), path: path, dependencies: dependencies, aliases: aliases,
            file: file)
    }

    /// The uncompressed ELF object: what `finit_module` loads.
    public func object() throws -> [UInt8] { try KernelModule.object(of: file, path: path) }

    /// The path with any compression suffix removed (`kernel/fs/overlayfs/overlay.ko`).
    public var uncompressedPath: String {
        for suffix in KernelModule.compressionSuffixes where path.hasSuffix(".ko" + suffix) && !suffix.isEmpty {
            return String(path.dropLast(suffix.count))
        }
        return path
    }

    // MARK: - Names and files

    /// Suffixes after `.ko` that a module file may carry.
    static let compressionSuffixes = ["", ".xz", ".zst", ".gz"]

    /// `name` with "-" written "_": the kernel treats the two as the same character in module names.
    public static func canonicalName(_ name: String) -> String {
        String(name.map { $0 == "-" ? "_" : $0 })
    }

    /// Whether `path` names a module file (`.ko`, possibly compressed).
    static func isModuleFile(_ path: String) -> Bool {
        compressionSuffixes.contains { path.hasSuffix(".ko" + $0) }
    }

    /// The canonical module name of a file path: `kernel/net/802/stp.ko.xz` → `stp`.
    static func name(fromPath path: String) -> String {
        var base = Substring(path.split(separator: "/").last ?? Substring(path))
        for suffix in compressionSuffixes.reversed() where base.hasSuffix(".ko" + suffix) {
            base = base.dropLast(3 + suffix.count)
            break
        }
        return canonicalName(String(base))
    }

    private static func object(of file: [UInt8], path: String) throws -> [UInt8] {
        if path.hasSuffix(".ko") { return file }
        do {
            return try CompressedStream.decompress(file, label: path, limit: 256 << 20)
        } catch let error as ArchiveError {
            throw BootError(operation: "decompress module", subject: path, message: error.description)
        }
    }
}
