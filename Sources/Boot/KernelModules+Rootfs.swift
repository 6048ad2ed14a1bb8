// Shipping a module closure in the root filesystem, with the index files modprobe reads.
public import Rootfs

extension KernelModules {
    /// Adds `closure`'s module files to `tree` under /lib/modules/VERSION (through /lib → usr/lib if the
    /// root merges /usr), with a `modules.dep` for exactly those modules and the package's
    /// `modules.builtin`, `modules.builtin.modinfo` and `modules.order`, so `modprobe NAME` works in
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
        for (name, bytes) in indexFiles.sorted(by: { $0.key < $1.key }) { try put(name, bytes) }
        try put("modules.dep", Array(closure.modulesDep().utf8))
    }
}
