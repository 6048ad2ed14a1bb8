// Stage three: the bootable disk. The ESP gets systemd-boot and slot A's kernel, initrd and
// loader entry (with boot counting); ROOT-A the root filesystem image; ROOT-B stays empty for the
// first update; STATE an empty ext4 the initrd lays out on first boot.
//
//   GPT: 1 ESP (FAT) | 2 ROOT-A (ext4, read-only) | 3 ROOT-B (empty) | 4 OEM (optional) | 5 STATE
import Archive
import Boot
import Disk
import Ext4
import Foundation
import Profile
import Rootfs

/// The files of a built disk, before they are renamed into place.
struct DiskOutputs {
    var image: URL
    var kernel: URL
    var initrd: URL
    var packages: [Manifest.PackageRecord]
    var qcow2: URL?
}

struct DiskStage {
    let profile: Profile
    let rootStage: RootfsStage
    let initrdExecutable: String
    let epoch: Int64
    let scratch: URL
    let progress: any ProgressReporter

    /// Where systemd-boot's EFI binary is in Debian's systemd-boot-efi package.
    static let systemdBootPath = "usr/lib/systemd/boot/efi/systemd-bootx64.efi"

    func build(kernel: PreparedKernel, rootfs: URL, outputs: StagedOutputs) throws -> DiskOutputs {
        let name = profile.name.value
        progress.phase("initrd")
        // The initrd executable links libc, libstdc++ and OpenSSL (https:// for first boot) dynamically.
        var bootPackages = ["libc6", "libgcc-s1", "libstdc++6", "libssl3", "systemd-boot-efi"]
        if profile.rescueShell.value { bootPackages.append("busybox-static") }
        let boot = try rootStage.assemblePackages(bootPackages)
        let busybox = profile.rescueShell.value ? try regularFile("bin/busybox", in: boot.tree) : nil
        let initrd = InitramfsBuilder(
            initExecutable: try InitramfsBuilder.hostFile(initrdExecutable), libraries: .tree(boot.tree),
            modules: kernel.initrdModules, busybox: busybox, compression: kernel.package.initramfsCompression,
            modificationTime: epoch)
        let initrdPath = outputs.stage("\(name).initrd.img")
        try initrd.write(to: initrdPath.path)
        let kernelPath = outputs.stage("\(name).vmlinuz")
        try Data(kernel.package.image).write(to: kernelPath)
        progress.finish("\(fileSize(initrdPath) >> 10) KiB \(kernel.package.initramfsCompression.rawValue)")

        progress.phase("disk")
        let rootSize = UInt64(fileSize(rootfs))
        let sizes = try layoutSizes(rootContent: rootSize)
        let layout = try DiskLayout(sizes: sizes, seed: profile.digest, contents: [.rootA: rootSize])
        guard let rootA = layout[.rootA], let esp = layout[.esp], let state = layout[.state] else {
            throw BuildError(operation: "lay out the disk", path: profile.file, message: "the layout lacks a partition")
        }
        let commandLine = KernelCommandLine(
            root: .uuid(rootA.guid.description), state: .label("STATE"), initPath: profile.initPath.value,
            extra: profile.kernel.cmdline.map(\.value) + platformArgument + ["SWIFT_DETERMINISTIC_HASHING=1"])
        let slotFiles = LoaderEntries.slotFiles(
            slot: .a, title: profile.description?.value ?? name, version: profile.version.value,
            kernel: kernel.package.image, initrd: Array(try Data(contentsOf: initrdPath)), commandLine: commandLine)
        let systemdBoot = try regularFile(Self.systemdBootPath, in: boot.tree).readBytes(limit: 16 << 20)
        var espFiles: [Disk.ESPFile] = [
            .init(path: "EFI/BOOT/BOOTX64.EFI", source: .bytes(systemdBoot)),
            .init(path: "EFI/systemd/systemd-bootx64.efi", source: .bytes(systemdBoot)),
            .text("loader/loader.conf", LoaderEntries.loaderConf()),
            .directory("\(BootSlot.b.directory)"),
        ]
        espFiles += slotFiles.map { Disk.ESPFile(path: $0.path, source: .bytes($0.contents)) }

        let espImage = scratch.appendingPathComponent("esp.img")
        try ESPBuilder.build(
            files: espFiles, size: esp.size, volumeID: ESPBuilder.volumeID(seed: profile.digest),
            sourceDateEpoch: epoch, hiddenSectors: esp.firstLBA, to: espImage.path)
        let stateImage = scratch.appendingPathComponent("state.ext4")
        _ = try Ext4Writer.write(
            tree: Tree(), to: stateImage.path,
            options: Ext4Options(
                size: .fixed(Int64(state.size)), label: "STATE", seed: Array("\(profile.digest)/state".utf8),
                timestamp: epoch, journal: .automatic))
        let imagePath = outputs.stage("\(name).img")
        try DiskImage.assemble(
            layout: layout, partitionImages: [.esp: espImage.path, .rootA: rootfs.path, .state: stateImage.path],
            to: imagePath.path)
        var qcow2: URL?
        if profile.disk.format.value == .qcow2 {
            let path = outputs.stage("\(name).qcow2")
            try DiskImage.convertToQCOW2(raw: imagePath.path, to: path.path)
            qcow2 = path
        }
        progress.finish("\(layout.size >> 20) MiB disk")
        return DiskOutputs(
            image: imagePath, kernel: kernelPath, initrd: initrdPath, packages: boot.packages, qcow2: qcow2)
    }

    /// `slipway.platform=` for the first-boot config sources; `auto` leaves it to detection.
    private var platformArgument: [String] {
        let platform = profile.firstboot.platform.value
        return platform == .auto ? [] : ["slipway.platform=\(platform.rawValue)"]
    }

    /// The profile's `disk:` sizes; `root: auto` is the root image's size rounded up to a MiB.
    private func layoutSizes(rootContent: UInt64) throws -> DiskLayout.Sizes {
        let disk = profile.disk
        let mebibyte: UInt64 = 1 << 20
        let root: UInt64 =
            switch disk.root.value {
            case .auto: (rootContent + mebibyte - 1) / mebibyte * mebibyte
            case .fixed(let bytes): bytes
            }
        let total: UInt64? =
            switch disk.size.value {
            case .auto: nil
            case .fixed(let bytes): bytes
            }
        return DiskLayout.Sizes(
            esp: disk.esp.value, root: root, oem: disk.oem?.value, state: disk.state.value, total: total)
    }

    private func regularFile(_ path: String, in tree: Tree) throws -> FileContent {
        guard let node = tree.node(at: path), case .regular(let content) = node.kind else {
            throw BuildError(operation: "find \(path)", path: "boot packages", message: "the package does not ship it")
        }
        return content
    }

    private func fileSize(_ url: URL) -> Int64 {
        (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int64) ?? 0
    }
}
