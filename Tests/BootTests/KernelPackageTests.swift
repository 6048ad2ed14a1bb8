import Archive
import Boot
import Foundation
import Rootfs
import TestSupport
import Testing

@Suite struct KernelPackageTests {
    @Test func readsImageConfigAndModulesOfTheCloudKernel() throws {
        let kernel = try RealKernel.package()
        let deb = try Fixtures.kernelPackage()
        #expect(deb.contains("linux-image-\(kernel.version)_"))
        #expect(kernel.version.hasSuffix("-cloud-amd64"))
        // A bzImage: the "HdrS" boot protocol signature at 0x202.
        #expect(kernel.image.count > 4 << 20)
        #expect(Array(kernel.image[0x202..<0x206]) == Array("HdrS".utf8))
        #expect(kernel.config.isBuiltIn("CONFIG_EXT4_FS"))
        #expect(kernel.config.isModule("CONFIG_OVERLAY_FS"))
        #expect(kernel.initramfsCompression == .zstd)
        #expect(kernel.modules.modules.count > 1000)
        #expect(kernel.modules.builtin.contains("ext4"))
        #expect(
            kernel.modules.indexFiles.keys.sorted() == ["modules.builtin", "modules.builtin.modinfo", "modules.order"])
        let bridge = try #require(kernel.modules.modules["bridge"])
        #expect(bridge.path == "kernel/net/bridge/bridge.ko")
        #expect(bridge.dependencies == ["llc", "stp"])
    }

    @Test(arguments: [
        (KernelConfig(text: Array("CONFIG_RD_GZIP=y\nCONFIG_RD_ZSTD=y\n".utf8)), ArchiveCompression.zstd),
        (KernelConfig(text: Array("CONFIG_RD_GZIP=y\n# CONFIG_RD_ZSTD is not set\n".utf8)), .gzip),
        (KernelConfig(text: Array("CONFIG_BLK_DEV_INITRD=y\n".utf8)), .none),
        (KernelConfig(text: []), .gzip),
    ])
    func initramfsCompressionFollowsTheConfig(config: KernelConfig, expected: ArchiveCompression) throws {
        let modules = try KernelModules(version: "1", modules: [], builtin: [])
        let kernel = KernelPackage(version: "1", image: [], config: config, modules: modules)
        #expect(kernel.initramfsCompression == expected)
    }

    @Test func aPackageWithoutKernelImageIsRejected() throws {
        let writer = try ArchiveWriter(format: .paxTar)
        try writer.write(ArchiveEntry(path: "./usr/share/doc/x/copyright", type: .regular), bytes: Array("x".utf8))
        let reader = try ArchiveReader(bytes: try writer.close(), label: "data.tar")
        let error = #expect(throws: BootError.self) { try KernelPackage(dataArchive: reader, label: "linux-doc.deb") }
        #expect(
            error?.description
                == "read kernel package: linux-doc.deb: no boot/vmlinuz-VERSION in the package: is it a linux-image package?"
        )
    }

    @Test func modulesOfAnotherVersionAreRejected() throws {
        let overlay = try RealKernel.package().modules.modules["overlay"]?.file ?? []
        let writer = try ArchiveWriter(format: .paxTar)
        try writer.write(ArchiveEntry(path: "./boot/vmlinuz-6.1.0-1-amd64", type: .regular), bytes: [1])
        try writer.write(
            ArchiveEntry(path: "./lib/modules/6.1.0-2-amd64/kernel/fs/overlay.ko", type: .regular), bytes: overlay)
        let reader = try ArchiveReader(bytes: try writer.close(), label: "data.tar")
        let error = #expect(throws: BootError.self) { try KernelPackage(dataArchive: reader, label: "mixed.deb") }
        #expect(error?.message == "modules for 6.1.0-2-amd64 do not match the kernel image 6.1.0-1-amd64")
    }

    @Test func aBrokenModuleNamesItsFile() throws {
        let writer = try ArchiveWriter(format: .paxTar)
        try writer.write(ArchiveEntry(path: "./boot/vmlinuz-6.1.0-1-amd64", type: .regular), bytes: [1])
        try writer.write(
            ArchiveEntry(path: "./lib/modules/6.1.0-1-amd64/kernel/bad.ko", type: .regular), bytes: Array("text".utf8))
        let reader = try ArchiveReader(bytes: try writer.close(), label: "data.tar")
        let error = #expect(throws: BootError.self) { try KernelPackage(dataArchive: reader, label: "bad.deb") }
        #expect(
            error?.description
                == "read kernel package: bad.deb: read ELF: kernel/bad.ko: not an ELF file (no \\x7fELF magic)")
    }

    @Test(arguments: [("xz -c", ".xz"), ("zstd -q -c", ".zst")])
    func compressedModulesReadLikePlainOnes(tool: String, suffix: String) throws {
        let plain = try #require(try RealKernel.package().modules.modules["br_netfilter"])
        let scratch = try TemporaryDirectory()
        try Data(plain.file).write(to: URL(fileURLWithPath: scratch.file("m.ko")))
        #expect(
            try runTool(["sh", "-c", "\(tool) '\(scratch.file("m.ko"))' > '\(scratch.file("m.ko"))\(suffix)'"]).status
                == 0)
        let compressed = try Array(Data(contentsOf: URL(fileURLWithPath: scratch.file("m.ko") + suffix)))
        let module = try KernelModule(path: "kernel/net/bridge/br_netfilter.ko" + suffix, file: compressed)
        #expect(module.name == "br_netfilter")
        #expect(module.dependencies == ["bridge"])
        #expect(module.file == compressed)
        #expect(module.uncompressedPath == "kernel/net/bridge/br_netfilter.ko")
        #expect(try module.object() == plain.file)
    }

    @Test func modulesInstallIntoAMergedUsrRoot() throws {
        let kernel = try RealKernel.package()
        let closure = try kernel.modules.closure(of: ["br_netfilter"])
        let tree = Tree()
        try tree.insert(Node(kind: .symlink(target: "usr/lib"), metadata: Metadata(permissions: 0o777)), at: ["lib"])
        try tree.directory(at: ["usr", "lib"])
        try kernel.modules.install(closure, into: tree, modificationTime: 7)
        let base = "/usr/lib/modules/\(kernel.version)"
        for path in ["kernel/net/bridge/br_netfilter.ko", "kernel/net/802/stp.ko", "modules.builtin", "modules.order"] {
            let node = try #require(tree.node(at: base + "/" + path), "missing \(base)/\(path)")
            #expect(node.metadata.permissions == 0o644 && node.metadata.modificationTime == 7)
        }
        guard case .regular(.inline(let dep)) = tree.node(at: base + "/modules.dep")?.kind else {
            Issue.record("no modules.dep")
            return
        }
        #expect(String(decoding: dep, as: UTF8.self) == closure.modulesDep())
        #expect(tree.node(at: "/lib")?.isDirectory == false)
    }

    /// A module cut anywhere is reported as a bad ELF file, never a crash.
    @Test(arguments: [0, 4, 63, 64, 1000, 20_000])
    func truncatedModulesAreRejected(length: Int) throws {
        let overlay = try #require(try RealKernel.package().modules.modules["overlay"])
        let error = #expect(throws: BootError.self) {
            try KernelModule(path: "kernel/fs/overlayfs/overlay.ko", file: Array(overlay.file.prefix(length)))
        }
        #expect(error?.operation == "read ELF" && error?.subject == "kernel/fs/overlayfs/overlay.ko")
    }
}
