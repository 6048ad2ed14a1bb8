import Boot
import Foundation
import TestSupport
import Testing

@Suite struct ModuleClosureTests {
    @Test(arguments: [
        (["overlay"], ["overlay"], [String]()),
        (["br_netfilter"], ["llc", "stp", "bridge", "br_netfilter"], []),
        (["br-netfilter"], ["llc", "stp", "bridge", "br_netfilter"], []),
        (["virtio_blk"], ["virtio_ring", "virtio", "virtio_blk"], []),
        (["ext4", "virtio_blk", "ext4"], ["virtio_ring", "virtio", "virtio_blk"], ["ext4"]),
        (["bridge", "br_netfilter", "llc"], ["llc", "stp", "bridge", "br_netfilter"], []),
        // The base profile's ESP modules: vfat loads its code page and character set by name at mount.
        (["vfat", "nls_cp437", "nls_ascii"], ["fat", "vfat", "nls_cp437", "nls_ascii"], []),
    ])
    func closureOfTheCloudKernel(requested: [String], expected: [String], builtin: [String]) throws {
        let closure = try RealKernel.package().modules.closure(of: requested)
        #expect(closure.names == expected)
        #expect(closure.builtin == builtin)
    }

    @Test func unknownModulesAreNamed() throws {
        let modules = try RealKernel.package().modules
        let error = #expect(throws: BootError.self) { try modules.closure(of: ["overlay", "overlayfs"]) }
        #expect(error?.subject == "overlayfs")
        #expect(
            error?.message
                == "kernel \(modules.version) has no module overlayfs and does not build it in (similar: overlay); "
                + "check the name in the profile's module list")
    }

    @Test func missingDependencyAndCycleAreReported() throws {
        let a = KernelModule(name: "a", path: "kernel/a.ko", dependencies: ["b"], file: [])
        let b = KernelModule(name: "b", path: "kernel/b.ko", dependencies: ["c"], file: [])
        let c = KernelModule(name: "c", path: "kernel/c.ko", dependencies: ["a"], file: [])
        let broken = try KernelModules(version: "v", modules: [a, b], builtin: [])
        #expect(
            throws: BootError(
                operation: "module closure", subject: "c",
                message: "module b (kernel/b.ko) depends on c, which kernel v neither ships nor builds in; "
                    + "the kernel package looks incomplete")
        ) { try broken.closure(of: ["a"]) }
        let cyclic = try KernelModules(version: "v", modules: [a, b, c], builtin: [])
        #expect(throws: BootError(operation: "module closure", subject: "a", message: "dependency cycle a → b → c → a"))
        {
            try cyclic.closure(of: ["a"])
        }
        #expect(throws: BootError.self) { try KernelModules(version: "v", modules: [a, a], builtin: []) }
    }

    /// The Docker host's module list from the field notes, checked against kmod's own tools: depmod on
    /// the same files must compute the same dependencies, and modprobe must load in a valid order
    /// from the modules.dep we wrote.
    @Test func modulesDepAgreesWithDepmodAndModprobe() throws {
        let kernel = try RealKernel.package()
        let requested = [
            "virtio_pci", "virtio_blk", "virtio_net", "overlay", "bridge", "br_netfilter", "veth", "nf_nat",
            "nf_conntrack", "nf_conntrack_netlink", "iptable_filter", "iptable_nat", "xt_conntrack", "xt_addrtype",
            "xt_MASQUERADE", "xt_nat", "xt_tcpudp", "xfrm_user",
        ]
        let closure = try kernel.modules.closure(of: requested)
        let scratch = try TemporaryDirectory()
        let base = scratch.path + "/lib/modules/\(kernel.version)"
        for module in closure.modules {
            let path = base + "/" + module.path
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(module.file).write(to: URL(fileURLWithPath: path))
        }
        for (name, bytes) in kernel.modules.rootIndexFiles(for: closure) {
            try Data(bytes).write(to: URL(fileURLWithPath: base + "/" + name))
        }

        // Every module appears after all its dependencies.
        var loaded: Set<String> = []
        for module in closure.modules {
            #expect(module.dependencies.allSatisfy { loaded.contains($0) || kernel.modules.builtin.contains($0) })
            loaded.insert(module.name)
        }

        let depmod = try runTool(["depmod", "-n", "-b", scratch.path, kernel.version])
        #expect(depmod.status == 0, "\(depmod.stderr)")
        let reference = Self.parseDep(depmod.stdout)
        let ours = Self.parseDep(closure.modulesDep())
        #expect(ours.count == closure.modules.count)
        #expect(ours.mapValues(Set.init) == reference.mapValues(Set.init))

        // kmod's modprobe reads only the binary indexes: by name, by alias, and built-in modules.
        for (query, expected) in [
            ("br_netfilter", ["llc.ko", "stp.ko", "bridge.ko", "br_netfilter.ko"]),
            ("br-netfilter", ["llc.ko", "stp.ko", "bridge.ko", "br_netfilter.ko"]),
            ("fs-overlay", ["overlay.ko"]),
            (
                "pci:v00001AF4d00001001sv00001AF4sd00000002bc01sc00i00",
                [
                    "virtio_ring.ko", "virtio_pci_modern_dev.ko", "virtio_pci_legacy_dev.ko", "virtio.ko",
                    "virtio_pci.ko",
                ]
            ),
            ("ext4", ["builtin ext4"]),
            ("fs-ext4", ["builtin ext4"]),
        ] {
            let probe = try runTool(["modprobe", "-d", scratch.path, "-S", kernel.version, "--show-depends", query])
            #expect(probe.status == 0, "modprobe \(query): \(probe.stderr)")
            let loads = probe.stdout.split(separator: "\n").map { line in
                line.hasPrefix("builtin ")
                    ? String(line) : String(line.split(separator: "/").last ?? "").trimmingCharacters(in: .whitespaces)
            }
            #expect(loads == expected, "modprobe \(query)")
        }
        let unknown = try runTool(["modprobe", "-d", scratch.path, "-S", kernel.version, "--show-depends", "vfat"])
        #expect(unknown.status != 0 && unknown.stderr.contains("Module vfat not found"))
    }

    /// `path: dep dep` lines by path, ignoring the comment lines depmod -n adds.
    static func parseDep(_ text: String) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("kernel/") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            result[String(line[..<colon])] = line[line.index(after: colon)...].split(separator: " ").map(String.init)
        }
        return result
    }
}
