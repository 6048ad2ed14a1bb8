import Archive
import Boot
import Foundation
import Rootfs
import TestSupport
import Testing

@Suite struct InitramfsBuilderTests {
    static let hostLibraries = InitramfsBuilder.LibrarySource.directories(["/lib/x86_64-linux-gnu"])

    /// `cpio -itv` of a zstd-compressed initramfs: (mode and type column, path) per member.
    static func listing(_ path: String) throws -> [(mode: String, path: String)] {
        let result = try runTool(["sh", "-c", "zstd -dcq < '\(path)' | cpio -itv --quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.split(separator: "\n").map { line in
            let columns = line.split(separator: " ", omittingEmptySubsequences: true)
            let arrow = columns.firstIndex(of: "->") ?? columns.endIndex
            return (String(columns[0]), String(columns[arrow - 1]))
        }
    }

    @Test func initramfsHoldsInitLibrariesModulesAndRescueShell() throws {
        let kernel = try RealKernel.package()
        let closure = try kernel.modules.closure(of: ["virtio_pci", "virtio_blk", "ext4", "overlay"])
        let builder = InitramfsBuilder(
            initExecutable: try InitramfsBuilder.hostFile(try Fixtures.initrdExecutable()),
            libraries: Self.hostLibraries, modules: closure,
            busybox: try InitramfsBuilder.hostFile("/bin/busybox"), compression: kernel.initramfsCompression,
            modificationTime: 1_700_000_000)
        let scratch = try TemporaryDirectory()
        let image = scratch.file("initrd.img")
        let members = try builder.write(to: image)

        let listed = try Self.listing(image)
        #expect(listed.map(\.path) == members)
        let modes = Dictionary(listed.map { ($0.path, $0.mode) }, uniquingKeysWith: { first, _ in first })
        #expect(modes["init"] == "-rwxr-xr-x")
        #expect(modes["dev/console"] == "crw-------")
        #expect(modes["bin/sh"] == "lrwxrwxrwx")
        #expect(modes["bin/busybox"] == "-rwxr-xr-x")
        for library in [
            "lib64/ld-linux-x86-64.so.2", "lib/libc.so.6", "lib/libm.so.6", "lib/libstdc++.so.6", "lib/libgcc_s.so.1",
            "lib/libssl.so.3", "lib/libcrypto.so.3",
        ] {
            #expect(modes[library] == "-rwxr-xr-x", "\(library)")
        }
        let moduleBase = "lib/modules/\(kernel.version)/kernel/drivers"
        for module in ["virtio/virtio_pci.ko", "virtio/virtio_ring.ko", "block/virtio_blk.ko"] {
            #expect(modes["\(moduleBase)/\(module)"] == "-rw-r--r--", "\(module)")
        }
        #expect(modes["lib/modules/\(kernel.version)/kernel/fs/overlayfs/overlay.ko"] != nil)
        // Parents come before their children.
        for (index, member) in members.enumerated() where member.contains("/") {
            let parent = String(member[..<(member.lastIndex(of: "/") ?? member.endIndex)])
            #expect(members[..<index].contains(parent), "\(member) before its directory")
        }

        // The load list: absolute paths, each module after its dependencies.
        let out = scratch.file("extracted")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let extract = try runTool([
            "sh", "-c", "cd '\(out)' && zstd -dcq < '\(image)' | cpio -idm --quiet etc/slipway/modules",
        ])
        #expect(extract.status == 0, "\(extract.stderr)")
        let loadList = try String(contentsOfFile: out + "/etc/slipway/modules", encoding: .utf8)
        #expect(loadList == closure.modules.map { "/lib/modules/\(kernel.version)/\($0.uncompressedPath)\n" }.joined())
        #expect(
            closure.names == [
                "virtio_ring", "virtio_pci_modern_dev", "virtio_pci_legacy_dev", "virtio", "virtio_pci", "virtio_blk",
                "overlay",
            ])
    }

    @Test func sameInputsGiveSameBytes() throws {
        let initPath = try Fixtures.initrdExecutable()
        let scratch = try TemporaryDirectory()
        func build(_ name: String) throws -> Data {
            let builder = InitramfsBuilder(
                initExecutable: try InitramfsBuilder.hostFile(initPath), libraries: Self.hostLibraries,
                compression: .gzip, modificationTime: 1)
            try builder.write(to: scratch.file(name))
            return try Data(contentsOf: URL(fileURLWithPath: scratch.file(name)))
        }
        #expect(try build("one.img") == build("two.img"))
    }

    @Test func librariesComeFromAMergedUsrRootTree() throws {
        // A root like Debian's: /lib → usr/lib, libstdc++.so.6 a symlink to the versioned file.
        let tree = Tree()
        try tree.insert(Node(kind: .symlink(target: "usr/lib"), metadata: Metadata(permissions: 0o777)), at: ["lib"])
        try tree.insert(
            Node(kind: .symlink(target: "usr/lib64"), metadata: Metadata(permissions: 0o777)), at: ["lib64"])
        let host = "/lib/x86_64-linux-gnu"
        for name in [
            "libc.so.6", "libm.so.6", "libgcc_s.so.1", "ld-linux-x86-64.so.2", "libstdc++.so.6.0.30", "libssl.so.3",
            "libcrypto.so.3",
        ] {
            let size = try InitramfsBuilder.hostFile(host + "/" + name).length
            try tree.insert(
                Node(
                    kind: .regular(.file(path: host + "/" + name, offset: 0, length: size)),
                    metadata: Metadata(permissions: 0o644)),
                at: ["usr", "lib", "x86_64-linux-gnu", name])
        }
        try tree.insert(
            Node(kind: .symlink(target: "libstdc++.so.6.0.30"), metadata: Metadata(permissions: 0o777)),
            at: ["usr", "lib", "x86_64-linux-gnu", "libstdc++.so.6"])
        try tree.insert(
            Node(
                kind: .symlink(target: "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"),
                metadata: Metadata(permissions: 0o777)),
            at: ["usr", "lib64", "ld-linux-x86-64.so.2"])

        let builder = InitramfsBuilder(
            initExecutable: try InitramfsBuilder.hostFile(try Fixtures.initrdExecutable()), libraries: .tree(tree),
            compression: .zstd)
        let initrd = try builder.tree()
        for path in ["/lib64/ld-linux-x86-64.so.2", "/lib/libc.so.6", "/lib/libstdc++.so.6", "/lib/libssl.so.3"] {
            guard case .regular(.file(let source, _, _)) = initrd.node(at: path)?.kind else {
                Issue.record("\(path) missing or not a file")
                continue
            }
            #expect(source.hasPrefix(host + "/"))
        }
    }

    @Test func aMissingLibraryIsNamedWithItsUser() throws {
        let scratch = try TemporaryDirectory()
        let builder = InitramfsBuilder(
            initExecutable: try InitramfsBuilder.hostFile(try Fixtures.initrdExecutable()),
            libraries: .directories([scratch.path]), compression: .gzip)
        let error = #expect(throws: BootError.self) { try builder.write(to: scratch.file("initrd.img")) }
        #expect(
            error?.description
                == "collect initramfs libraries: /lib64/ld-linux-x86-64.so.2: /init needs /lib64/ld-linux-x86-64.so.2, "
                + "which is not in \(scratch.path); include Debian's libc6, libstdc++6, libgcc-s1 and libssl3 in the root"
        )
        #expect(!FileManager.default.fileExists(atPath: scratch.file("initrd.img")))
    }
}
