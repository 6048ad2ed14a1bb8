// Shipping a module closure in the root filesystem, with the index files modprobe reads. Debian runs
// depmod when the kernel package is installed; an image built without running anything gets the same
// files computed here: the text modules.dep and modules.alias (busybox modprobe) and kmod's binary
// indexes (kmod's modprobe reads only those).
public import Rootfs

extension KernelModules {
    /// The index files of /lib/modules/VERSION for a root that ships exactly `closure`, by file name:
    /// modules.dep(.bin), modules.alias(.bin), modules.builtin.bin, modules.builtin.alias.bin,
    /// modules.symbols.bin (empty: symbol lookups are not indexed), and the package's
    /// modules.builtin, modules.builtin.modinfo and modules.order as shipped.
    public func rootIndexFiles(for closure: ModuleClosure) -> [String: [UInt8]] {
        var files = indexFiles
        let dependencies = KmodIndex()
        let aliases = KmodIndex()
        var aliasText = "# Aliases extracted from modules themselves.\n"
        for (position, module) in closure.modules.enumerated() {
            let line = closure.modulesDepLine(module)
            dependencies.insert(key: module.name, value: String(line.dropLast()), priority: UInt32(position))
            for alias in module.aliases {
                aliases.insert(key: KmodIndex.normalizedAlias(alias), value: module.name, priority: UInt32(position))
                aliasText += "alias \(alias) \(module.name)\n"
            }
        }
        let builtinIndex = KmodIndex()
        for name in builtin.sorted() { builtinIndex.insert(key: name, value: "", priority: 0) }
        let builtinAliases = KmodIndex()
        for (name, alias) in builtinAliasPairs() {
            builtinAliases.insert(key: KmodIndex.normalizedAlias(alias), value: name, priority: 0)
        }
        files["modules.dep"] = Array(closure.modulesDep().utf8)
        files["modules.dep.bin"] = dependencies.serialized()
        files["modules.alias"] = Array(aliasText.utf8)
        files["modules.alias.bin"] = aliases.serialized()
        files["modules.builtin.bin"] = builtinIndex.serialized()
        files["modules.builtin.alias.bin"] = builtinAliases.serialized()
        files["modules.symbols.bin"] = KmodIndex().serialized()
        return files
    }

    /// Adds `closure`'s module files to `tree` under /lib/modules/VERSION (through /lib → usr/lib if the
    /// root merges /usr) with the index files of `rootIndexFiles(for:)`, so `modprobe NAME` works in
    /// the booted system without running depmod. Files get mode 0644, directories 0755, owner root.
    public func install(_ closure: ModuleClosure, into tree: Tree, modificationTime: Int64 = 0) throws {
        guard closure.version == version else {
            throw BootError(
                operation: "install modules", subject: "/lib/modules/\(version)",
                message: "the closure is of kernel \(closure.version), not \(version)")
        }
        let base = TreeLookup.placement(of: "/lib/modules/\(version)/x", in: tree).dropLast()
        let file = Metadata(permissions: 0o644, modificationTime: modificationTime)
        let directory = Metadata(permissions: 0o755, modificationTime: modificationTime)
        func put(_ relative: String, _ bytes: [UInt8]) throws {
            let components = Array(base) + TreePath.components(relative)
            do {
                try tree.insert(
                    Node(kind: .regular(.inline(bytes)), metadata: file), at: components, parentMetadata: directory)
            } catch {
                throw BootError(
                    operation: "install modules", subject: "/" + components.joined(separator: "/"),
                    message: "\(error)")
            }
        }
        for module in closure.modules { try put(module.path, module.file) }
        for (name, bytes) in rootIndexFiles(for: closure).sorted(by: { $0.key < $1.key }) { try put(name, bytes) }
    }

    /// (module, alias) pairs of built-in modules, from modules.builtin.modinfo's NUL-separated
    /// `module.alias=value` records.
    private func builtinAliasPairs() -> [(String, String)] {
        guard let modinfo = indexFiles["modules.builtin.modinfo"] else { return [] }
        return modinfo.split(separator: 0).compactMap { record in
            let text = String(decoding: record, as: UTF8.self)
            guard let dot = text.firstIndex(of: "."), text[text.index(after: dot)...].hasPrefix("alias=") else {
                return nil
            }
            let value = text[text.index(after: dot)...].dropFirst(6)
            return (KernelModule.canonicalName(String(text[..<dot])), String(value))
        }
    }
}
