// Stage three: the bootable disk. The ESP gets systemd-boot and slot A's kernel, initrd and
// loader entry (with boot counting); ROOT-A the root filesystem image; ROOT-B stays empty for the
// first update; STATE an empty ext4 the initrd lays out on first boot.
//
// It runs in two steps so that contents too large for their partition stop the build early:
// `prepareBoot` (after the kernel, before the container images and the root image) makes the initrd
// and the ESP's file list and checks them against `disk.esp`; `build` (after the root image) checks
// the root image against the root slot and the disk size, then writes the partitions and the disk.
//
//   GPT: 1 ESP (FAT) | 2 ROOT-A (ext4, read-only) | 3 ROOT-B (empty) | 4 OEM (optional) | 5 STATE
import Archive
import Boot
import Disk
import Ext4
import Foundation
import Profile
import Rootfs
import Verity

/// What goes on the ESP, made before the root filesystem image so that an ESP too small for it
/// stops the build before the slow stages.
struct BootFiles {
    /// The staged kernel and initrd outputs.
    var kernel: URL
    var initrd: URL
    /// systemd-boot, loader.conf, slot A's kernel, initrd and entry, slot B's empty directory.
    var espFiles: [Disk.ESPFile]
    /// `ESPBuilder.contentSize(of: espFiles)`.
    var espContent: UInt64
    /// The packages the initrd and systemd-boot came from.
    var packages: [Manifest.PackageRecord]
    /// Those packages' files: the libraries slipway-update needs in the root come from here.
    var libraries: Tree
    /// systemd-stub from systemd-boot-efi when slot A boots a unified kernel image, else empty.
    var stub: [UInt8] = []
    /// Slot A's kernel command line; with root.verity, its verity arguments are placeholders
    /// until `DiskStage.build` knows the root's hash tree.
    var commandLine: KernelCommandLine
}

/// The files of a built disk, before they are renamed into place.
struct DiskOutputs {
    var image: URL
    var kernel: URL
    var initrd: URL
    var packages: [Manifest.PackageRecord]
    /// The disk in the profile's `disk.format` beside NAME.img, with its manifest role.
    var converted: (role: String, file: URL)?
    /// Slot A's final kernel command line (BootCommandLine), which update payloads carry too.
    var commandLine: KernelCommandLine
}

struct DiskStage {
    let profile: Profile
    let rootStage: RootfsStage
    let initrdExecutable: String
    let epoch: Int64
    let scratch: URL
    let progress: any ProgressReporter
    /// Set when slot A boots a unified kernel image (kernel.uki, or a Secure Boot key).
    var unified: UnifiedSlot? = nil

    /// Where systemd-boot's EFI binary is in Debian's systemd-boot-efi package.
    static let systemdBootPath = "usr/lib/systemd/boot/efi/systemd-bootx64.efi"

    /// Writes the initrd and kernel outputs and lists the ESP's files; throws at `disk.esp` when
    /// they do not fit the ESP.
    func prepareBoot(kernel: PreparedKernel, outputs: StagedOutputs) throws -> BootFiles {
        let name = profile.name.value
        // The initrd executable links libc, libstdc++ and OpenSSL (https:// for first boot) dynamically.
        // slipway-update, installed into the root, also needs libzstd.
        var bootPackages = ["libc6", "libgcc-s1", "libstdc++6", "libssl3", "libzstd1", "systemd-boot-efi"]
        if profile.rescueShell.value { bootPackages.append("busybox-static") }
        let boot = try rootStage.assemblePackages(bootPackages)  // with phases of its own
        progress.phase("initrd")
        let busybox = profile.rescueShell.value ? try regularFile("bin/busybox", in: boot.tree) : nil
        let initrd = InitramfsBuilder(
            initExecutable: try InitramfsBuilder.hostFile(initrdExecutable), libraries: .tree(boot.tree),
            modules: kernel.initrdModules, busybox: busybox, compression: kernel.initrdCompression,
            modificationTime: epoch)
        let initrdPath = outputs.stage("\(name).initrd.img")
        try initrd.write(to: initrdPath.path)
        let kernelPath = outputs.stage("\(name).vmlinuz")
        try Data(kernel.package.image).write(to: kernelPath)

        // The root slot's PARTUUID depends only on the seed, so the entry is final before the layout,
        // except for the verity arguments, which `build` fills in.
        let commandLine = BootCommandLine.slotA(
            profile: profile, rootTree: profile.root.verity.value ? BootCommandLine.placeholderTree : nil,
            unified: unified != nil)
        let stub =
            unified == nil ? [] : try regularFile(UnifiedKernelImage.stubPath, in: boot.tree).readBytes(limit: 16 << 20)
        let slotFiles = try slotAFiles(
            stub: stub, kernel: kernel.package.image, initrd: Array(try Data(contentsOf: initrdPath)),
            commandLine: commandLine)
        var systemdBoot = try regularFile(Self.systemdBootPath, in: boot.tree).readBytes(limit: 16 << 20)
        if let unified { systemdBoot = try unified.loader(systemdBoot) }
        var espFiles: [Disk.ESPFile] = [
            .init(path: "EFI/BOOT/BOOTX64.EFI", source: .bytes(systemdBoot)),
            .init(path: "EFI/systemd/systemd-bootx64.efi", source: .bytes(systemdBoot)),
            .text("loader/loader.conf", LoaderEntries.loaderConf()),
            .directory("\(BootSlot.b.directory)"),
        ]
        espFiles += slotFiles.map { Disk.ESPFile(path: $0.path, source: .bytes($0.contents)) }
        // Room for an update's kernel and initrd in slot B beside slot A's: checked now, so an ESP
        // too small for an update fails the build instead of the first update.
        let slotB = [
            Disk.ESPFile(path: "reserved/vmlinuz", source: .bytes(kernel.package.image)),
            Disk.ESPFile(path: "reserved/initrd.img", source: .file(initrdPath.path)),
        ]
        let espContent = try ESPBuilder.contentSize(of: espFiles + slotB)
        _ = try layout(espContent: espContent, rootfs: nil)
        progress.finish("\(fileSize(initrdPath) >> 10) KiB \(kernel.initrdCompression.rawValue)")
        return BootFiles(
            kernel: kernelPath, initrd: initrdPath, espFiles: espFiles, espContent: espContent,
            packages: boot.packages, libraries: boot.tree, stub: stub, commandLine: commandLine)
    }

    /// Lays out the disk around the root slot image `rootfs` (whose output name is `rootfsName`;
    /// with root.verity it holds `rootTree` after the filesystem), refusing contents that do not fit
    /// before anything is written, then writes the ESP, STATE and the disk image.
    func build(boot: BootFiles, rootfs: URL, rootfsName: String, rootTree: VerityTree?, outputs: StagedOutputs) throws
        -> DiskOutputs
    {
        let name = profile.name.value
        var boot = boot
        if let rootTree {
            // Slot A's files again, with the tree's arguments (a unified image seals them in).
            boot.commandLine = BootCommandLine.slotA(profile: profile, rootTree: rootTree, unified: unified != nil)
            let files = try slotAFiles(
                stub: boot.stub, kernel: Array(try Data(contentsOf: boot.kernel)),
                initrd: Array(try Data(contentsOf: boot.initrd)),
                commandLine: boot.commandLine)
            let paths = Set(files.map(\.path))
            boot.espFiles =
                boot.espFiles.filter { !paths.contains($0.path) }
                + files.map { Disk.ESPFile(path: $0.path, source: .bytes($0.contents)) }
        }
        progress.phase("disk")
        let layout = try layout(
            espContent: boot.espContent, rootfs: (size: UInt64(fileSize(rootfs)), name: rootfsName))
        guard let esp = layout[.esp], let state = layout[.state] else {
            throw BuildError(operation: "lay out the disk", path: profile.file, message: "the layout lacks a partition")
        }
        let espImage = scratch.appendingPathComponent("esp.img")
        do {
            try ESPBuilder.build(
                files: boot.espFiles, size: esp.size, volumeID: ESPBuilder.volumeID(seed: profile.digest),
                sourceDateEpoch: epoch, hiddenSectors: esp.firstLBA, to: espImage.path)
        } catch let error as DiskError {
            // mcopy's "Disk full" when the estimate undershot: the same report as the check's.
            throw SizeProblems.atProfileKey(error, profile: profile, rootfsName: rootfsName) ?? error
        }
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
        let converted = try convert(imagePath, to: profile.disk.format.value, outputs: outputs)
        progress.finish("\(layout.size >> 20) MiB disk")
        return DiskOutputs(
            image: imagePath, kernel: boot.kernel, initrd: boot.initrd, packages: boot.packages, converted: converted,
            commandLine: boot.commandLine)
    }

    /// Slot A's kernel, initrd and entry, or its unified kernel image and entry.
    private func slotAFiles(stub: [UInt8], kernel: [UInt8], initrd: [UInt8], commandLine: KernelCommandLine) throws
        -> [Boot.ESPFile]
    {
        if let unified {
            return try unified.files(
                stub: stub, kernel: kernel, initrd: initrd, commandLine: commandLine, title: entryTitle,
                triesLeft: entryTries)
        }
        return LoaderEntries.slotFiles(
            slot: .a, title: entryTitle, version: "1", kernel: kernel, initrd: initrd, commandLine: commandLine,
            triesLeft: entryTries)
    }

    /// Slot A's entry title, and its tries (the profile's update.tries). Its version is 1: the first
    /// install generation; each update's entry gets a higher one.
    private var entryTitle: String { profile.description?.value ?? profile.name.value }
    private var entryTries: Int { profile.update?.tries.value ?? LoaderEntries.defaultTries }

    /// The layout of the profile's `disk:` sizes holding `espContent` bytes of ESP files and, once it
    /// is written, the root filesystem image. Contents that do not fit are reported at the profile
    /// key whose size is too small. Before the root image exists (`rootfs` nil) an automatic root
    /// slot is laid out at 1 MiB, which checks the ESP and every fixed size.
    private func layout(espContent: UInt64, rootfs: (size: UInt64, name: String)?) throws -> DiskLayout {
        var contents: [DiskLayout.Role: UInt64] = [.esp: espContent]
        if let rootfs { contents[.rootA] = rootfs.size }
        do {
            return try DiskLayout(
                sizes: try layoutSizes(rootContent: rootfs?.size ?? ByteSize.mebibyte), seed: profile.digest,
                contents: contents)
        } catch let error as DiskError {
            throw SizeProblems.atProfileKey(error, profile: profile, rootfsName: rootfs?.name) ?? error
        }
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
