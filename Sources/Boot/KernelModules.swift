// The modules of one kernel and the closure of a requested list: every module the list needs,
// each after the modules it depends on, with what the kernel has built in left out.

/// All loadable and built-in modules of one kernel version.
public struct KernelModules: Sendable {
    /// The kernel release these modules belong to (`6.1.0-56-cloud-amd64`).
    public let version: String
    /// Loadable modules by canonical name.
    public let modules: [String: KernelModule]
    /// Canonical names of the modules built into the kernel image (from `modules.builtin`).
    public let builtin: Set<String>
    /// Index files shipped beside the modules that a root keeps as they are (`modules.builtin`,
    /// `modules.builtin.modinfo`, `modules.order`), by file name.
    public let indexFiles: [String: [UInt8]]

    public init(version: String, modules: [KernelModule], builtin: Set<String>, indexFiles: [String: [UInt8]] = [:])
        throws
    {
        var byName: [String: KernelModule] = [:]
        for module in modules {
            if let other = byName[module.name] {
                throw BootError(
                    operation: "read kernel modules", subject: module.path,
                    message: "module \(module.name) is also provided by \(other.path); a kernel has one file per module"
                )
            }
            byName[module.name] = module
        }
        self.version = version
        self.modules = byName
        self.builtin = Set(builtin.map(KernelModule.canonicalName))
        self.indexFiles = indexFiles
    }

    /// Parses `modules.builtin` (one path per line, `kernel/fs/ext4/ext4.ko`) into canonical names.
    public static func builtinNames(fromModulesBuiltin text: [UInt8]) -> Set<String> {
        Set(
            text.split(separator: UInt8(ascii: "\n")).compactMap { line -> String? in
                let path = String(decoding: line, as: UTF8.self).trimmingWhitespace
                return path.isEmpty ? nil : KernelModule.name(fromPath: path)
            })
    }

    /// The modules needed to load every name in `requested`, in an order that loads each module after
    /// all it depends on. Names may use "-" or "_". A requested name built into the kernel is satisfied
    /// without a file and listed in `ModuleClosure.builtin`.
    /// Throws naming the module when a name is neither a module nor built in, or a dependency is missing.
    public func closure(of requested: [String]) throws -> ModuleClosure {
        var ordered: [KernelModule] = []
        var done: Set<String> = []
        var builtinHit: [String] = []

        func visit(_ name: String, neededBy chain: [String]) throws {
            if done.contains(name) { return }
            if let cycleStart = chain.firstIndex(of: name) {
                throw BootError(
                    operation: "module closure", subject: name,
                    message: "dependency cycle \((chain[cycleStart...] + [name]).joined(separator: " → "))")
            }
            guard let module = modules[name] else {
                if builtin.contains(name) {
                    done.insert(name)
                    return
                }
                throw missing(name, neededBy: chain.last)
            }
            for dependency in module.dependencies { try visit(dependency, neededBy: chain + [name]) }
            done.insert(name)
            ordered.append(module)
        }

        for name in requested {
            let canonical = KernelModule.canonicalName(name.trimmingWhitespace)
            guard !canonical.isEmpty else {
                throw BootError(operation: "module closure", subject: "\"\(name)\"", message: "empty module name")
            }
            if modules[canonical] == nil, builtin.contains(canonical) {
                if !builtinHit.contains(canonical) { builtinHit.append(canonical) }
                continue
            }
            try visit(canonical, neededBy: [])
        }
        return ModuleClosure(version: version, modules: ordered, builtin: builtinHit, all: modules)
    }

    private func missing(_ name: String, neededBy parent: String?) -> BootError {
        if let parent, let module = modules[parent] {
            return BootError(
                operation: "module closure", subject: name,
                message: "module \(parent) (\(module.path)) depends on \(name), which kernel \(version) neither ships "
                    + "nor builds in; the kernel package looks incomplete")
        }
        let similar = modules.keys.filter { $0.contains(name) || (name.contains($0) && $0.count > 2) }.sorted().prefix(
            5)
        let hint = similar.isEmpty ? "" : " (similar: \(similar.joined(separator: ", ")))"
        return BootError(
            operation: "module closure", subject: name,
            message: "kernel \(version) has no module \(name) and does not build it in\(hint); "
                + "check the name in the profile's module list")
    }
}

/// The result of `KernelModules.closure(of:)`.
public struct ModuleClosure: Sendable {
    /// The kernel release.
    public let version: String
    /// Every module file needed, each after the modules it depends on: load them in this order.
    public let modules: [KernelModule]
    /// Requested names that the kernel has built in (no file needed).
    public let builtin: [String]
    /// The whole index, to resolve dependencies when writing modules.dep.
    let all: [String: KernelModule]

    /// The canonical names of `modules`, in load order.
    public var names: [String] { modules.map(\.name) }

    /// The total size of the module files as shipped.
    public var size: Int { modules.reduce(0) { $0 + $1.file.count } }

    /// The transitive dependencies of `module`, the way depmod lists them: direct dependencies first,
    /// so loading the list from its end to its start satisfies each module before its users.
    public func dependencies(of module: KernelModule) -> [KernelModule] {
        var postOrder: [KernelModule] = []
        var seen: Set<String> = [module.name]
        func visit(_ current: KernelModule) {
            for name in current.dependencies where !seen.contains(name) {
                seen.insert(name)
                guard let dependency = all[name] else { continue }  // built in
                visit(dependency)
                postOrder.append(dependency)
            }
        }
        visit(module)
        return postOrder.reversed()
    }

    /// The text of `modules.dep` for exactly these modules, so `modprobe` works in the root:
    /// `kernel/net/bridge/br_netfilter.ko: kernel/net/bridge/bridge.ko kernel/net/802/stp.ko ...`.
    /// `paths` maps a module to the path it is stored at (defaults to the shipped path).
    public func modulesDep(paths: (KernelModule) -> String = { $0.path }) -> String {
        modules.map { modulesDepLine($0, paths: paths) }.joined()
    }

    /// One line of `modules.dep`, with its newline.
    func modulesDepLine(_ module: KernelModule, paths: (KernelModule) -> String = { $0.path }) -> String {
        let dependencies = dependencies(of: module).map(paths)
        return paths(module) + ":" + (dependencies.isEmpty ? "" : " " + dependencies.joined(separator: " ")) + "\n"
    }

    /// The contents of the initrd's `/etc/slipway/modules`: one path per line below
    /// /lib/modules/VERSION, uncompressed, in load order.
    public var loadList: String { modules.map { $0.uncompressedPath + "\n" }.joined() }
}

extension String {
    var trimmingWhitespace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
