// Decoding `kernel:` and `disk:`.

extension Profile.Kernel {
    static let keys = ["package", "files", "cmdline", "modules", "uki"]
    static let fileKeys = ["image", "modules-dir", "config"]
    static let moduleKeys = ["initrd", "root"]

    static func decode(_ node: SourceNode?, _ path: FieldPath, default fallback: SourceLocation, in c: DecodeContext)
        -> Self
    {
        let f = c.section(node, path, keys: keys, default: fallback)
        c.exclusive(f, ["package", "files"])
        var source = Located(Profile.KernelSource.package(Profile.defaultKernelPackage), at: f.location)
        if let package = c.string(f["package"], path.key("package"), .packageName) {
            source = package.map { .package($0) }
        } else if let filesNode = f["files"], let files = c.mapping(filesNode, path.key("files"), keys: fileKeys) {
            if !files.has("image") { c.missing(files, "image") }
            let image = c.hostPath(files["image"], path.key("files").key("image"), .file)
            let modules = c.hostPath(files["modules-dir"], path.key("files").key("modules-dir"), .directory)
            let config = c.hostPath(files["config"], path.key("files").key("config"), .file)
            if let image {
                source = Located(
                    .files(image: image.value, modulesDirectory: modules, config: config),
                    at: filesNode.location)
            }
        }
        let modules = c.section(f["modules"], path.key("modules"), keys: moduleKeys, default: f.location)
        let kernel = Self(
            source: source,
            cmdline: c.strings(f["cmdline"], path.key("cmdline"), .cmdlineArgument),
            initrdModules: c.strings(modules["initrd"], path.key("modules").key("initrd"), .moduleName),
            rootModules: c.strings(modules["root"], path.key("modules").key("root"), .moduleName),
            uki: c.bool(f["uki"], path.key("uki")) ?? Located(false, at: f.location),
            location: f.location)
        if case .files(_, nil, _) = source.value, let first = (kernel.initrdModules + kernel.rootModules).first {
            c.report(
                first.location, path.key("files").key("modules-dir"),
                "kernel.modules lists modules but kernel.files has no modules-dir to take them from")
        }
        return kernel
    }
}

extension Profile.DiskLayout {
    static let keys = ["size", "esp", "root", "oem", "state", "format"]

    static func decode(_ node: SourceNode?, _ path: FieldPath, default fallback: SourceLocation, in c: DecodeContext)
        -> Self
    {
        let f = c.section(node, path, keys: keys, default: fallback)
        let mib: UInt64 = 1 << 20
        var oem: Located<UInt64>?
        if let oemNode = f["oem"], oemNode.scalar != "none" {
            oem = c.scalar(oemNode, path.key("oem"), expected: "expected none or a size like 16MiB") { text in
                switch Profile.parseSize(text) {
                case .failure(let error):
                    let message =
                        error.message == Profile.sizeRule ? "expected none or a size like 16MiB" : error.message
                    return .failure(Rule.Failure(message))
                case .success(let bytes) where bytes < mib: return .failure(Rule.Failure("must be at least 1MiB"))
                case .success(let bytes) where bytes % mib != 0:
                    return .failure(Rule.Failure("partitions are aligned to 1MiB; use a whole number of MiB"))
                case .success(let bytes):
                    return Profile.sizeCeilingProblem(bytes).map { .failure(Rule.Failure($0)) } ?? .success(bytes)
                }
            }
        }
        return Self(
            size: c.sizeSetting(f["size"], path.key("size"), minimum: 64 * mib, wholeMiB: true)
                ?? Located(.auto, at: f.location),
            esp: c.size(f["esp"], path.key("esp"), minimum: Profile.minimumESPSize, wholeMiB: true)
                ?? Located(128 * mib, at: f.location),
            root: c.sizeSetting(f["root"], path.key("root"), minimum: mib, wholeMiB: true)
                ?? Located(.auto, at: f.location),
            oem: oem,
            state: c.size(f["state"], path.key("state"), minimum: 16 * mib, wholeMiB: true)
                ?? Located(256 * mib, at: f.location),
            format: c.choice(f["format"], path.key("format")) ?? Located(.raw, at: f.location),
            location: f.location)
    }
}
