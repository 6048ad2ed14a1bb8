// The config sources of the first boot, in the library's standard order, with what the initrd must
// do before each one can be read: the OEM partition and an OpenStack config drive are mounted only
// when their turn comes, metadata services and http(s):// URLs bring the network up first.
//
//   1. QEMU fw_cfg opt/com.coreos/config   needs the qemu_fw_cfg module in the initrd
//   2. OEM partition (PARTLABEL=OEM), /config.ign, ext4, mounted read-only on /oem
//   3. slipway.config.url= (or ignition.config.url=): data:, http(s):// (network)
//   4. the platform's metadata: ec2 (IMDSv2), gce, azure (IMDS userData, base64), digitalocean,
//      openstack (config drive labelled config-2, then the metadata service)
//   5. the image's embedded default, /usr/lib/slipway/firstboot/default.ign in the root
import CLinux
import FirstBoot
import Glibc

/// A config source as the initrd tries it.
struct InitrdConfigSource {
    var name: String
    /// Run right before the source is read: mounts what it needs, or says why this machine cannot
    /// have a config there (nil: read the source).
    var prepare: () throws(FirstBootError) -> String?
    var source: any ConfigSource
}

enum FirstBootSources {
    static let oemMount = "/oem"
    static let oemConfigFile = "/config.ign"
    static let configDriveMount = "/config-drive"
    static let embeddedConfigPath = "/usr/lib/slipway/firstboot/default.ign"
    static let firmwareConfigDirectory = "/sys/firmware/qemu_fw_cfg"

    /// The sources for `platform`, in the order they are tried.
    static func list(root: String, platform: Platform, commandLine: String, network: Network)
        -> [InitrdConfigSource]
    {
        let oemPath = oemMount + oemConfigFile
        let embeddedPath = root + embeddedConfigPath
        let standard = ConfigSources.standardOrder(
            platform: platform, commandLine: commandLine, oemConfigPath: oemPath, embeddedConfigPath: embeddedPath,
            configDriveMount: platform == .openstack ? configDriveMount : nil,
            fetcher: NetworkFetcher(network: network, root: root))
        return standard.map { source in
            if let file = source as? FileConfigSource {
                if file.path == oemPath {
                    return InitrdConfigSource(
                        name: "OEM partition PARTLABEL=OEM \(oemConfigFile)", prepare: mountOEM, source: file)
                }
                if file.path == embeddedPath {
                    return InitrdConfigSource(
                        name: "embedded default \(embeddedConfigPath)", prepare: { nil }, source: file)
                }
                return InitrdConfigSource(
                    name: file.name,
                    prepare: {
                        System.isDirectory(firmwareConfigDirectory)
                            ? nil
                            : "no \(firmwareConfigDirectory): not QEMU, or qemu_fw_cfg is not among the initrd's modules"
                    }, source: file)
            }
            if let commandLineSource = source as? KernelCommandLineSource {
                // A data: URL is the config itself: its first characters would tell nothing.
                let url = commandLineSource.url
                let name =
                    url.map { $0.hasPrefix("data:") ? "slipway.config.url (a data: URL)" : "slipway.config.url=\($0)" }
                return InitrdConfigSource(
                    name: "kernel command line" + (name.map { " " + $0 } ?? ""),
                    prepare: { commandLineSource.url == nil ? "no slipway.config.url=" : nil },
                    source: commandLineSource)
            }
            if source is OpenStackConfigDriveSource {
                return InitrdConfigSource(name: source.name, prepare: mountConfigDrive, source: source)
            }
            // The metadata services.
            return InitrdConfigSource(
                name: source.name, prepare: { nil }, source: NetworkedSource(inner: source, network: network))
        }
    }

    /// Unmounts what the sources mounted, before the switch to the system.
    static func cleanUp() {
        for mountPoint in [oemMount, configDriveMount] where isMounted(mountPoint) {
            if umount(mountPoint) == 0 {
                Console.log("first boot: unmounted \(mountPoint)")
            } else {
                Console.log("first boot: could not unmount \(mountPoint): \(System.reason())")
            }
        }
    }

    private static func mountOEM() throws(FirstBootError) -> String? {
        let partitions = BlockDevices.scan().filter { $0.isPartition && $0.partitionName == "OEM" }
        guard let partition = partitions.first else { return "no partition labelled OEM" }
        guard partitions.count == 1 else {
            throw FirstBootError(
                "mount", "PARTLABEL=OEM",
                "\(partitions.count) partitions are labelled OEM (\(partitions.map(\.name).joined(separator: ", "))); "
                    + "detach the other disk")
        }
        do {
            try System.makeDirectory(oemMount)
            try System.mount(
                partition.devicePath, on: oemMount, type: "ext4", flags: UInt(MS_RDONLY | MS_NOSUID | MS_NODEV),
                what: "mount the OEM partition read-only (is it ext4?)")
        } catch let error as InitrdError {
            throw FirstBootError("mount", "PARTLABEL=OEM (\(partition.devicePath))", error.message)
        } catch {
            throw FirstBootError("mount", "PARTLABEL=OEM", "\(error)")
        }
        return nil
    }

    private static func mountConfigDrive() throws(FirstBootError) -> String? {
        let found = BlockDevices.scan().lazy.compactMap { device in
            FilesystemLabel.read(device.devicePath).flatMap { $0.label.lowercased() == "config-2" ? (device, $0) : nil }
        }.first
        guard let (device, filesystem) = found else { return "no filesystem labelled config-2" }
        do {
            try System.makeDirectory(configDriveMount)
            try System.mount(
                device.devicePath, on: configDriveMount, type: filesystem.type,
                flags: UInt(MS_RDONLY | MS_NOSUID | MS_NODEV),
                what: "mount the OpenStack config drive (\(filesystem.type))")
        } catch let error as InitrdError {
            throw FirstBootError("mount", "config drive \(device.devicePath)", error.message)
        } catch {
            throw FirstBootError("mount", "config drive \(device.devicePath)", "\(error)")
        }
        return nil
    }

    /// Whether `path` is a mount point; true when the mount table cannot be read, so that clean-up
    /// tries the unmount (which fails harmlessly on a path that is not mounted).
    private static func isMounted(_ path: String) -> Bool {
        guard let table = try? MountTable.load() else { return true }
        return table.mounts.contains { $0.point == path }
    }
}

/// Filesystem labels read from superblocks, for finding a config drive without udev or blkid.
///
///   iso9660  primary volume descriptor at 32768: type 1, "CD001" @1, volume identifier @40 (32 bytes)
///   vfat     boot sector: 0x55AA @510; FAT32: "FAT32   " @82, label @71; FAT12/16: "FAT" @54, label @43
enum FilesystemLabel {
    /// The filesystem type (as mount(2) names it) and label of `device`, if it is one of the above.
    static func read(_ device: String) -> (type: String, label: String)? {
        let fd = open(device, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        func bytes(_ offset: Int, _ count: Int) -> [UInt8]? {
            var buffer = [UInt8](repeating: 0, count: count)
            let got = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
            return got == count ? buffer : nil
        }
        func text(_ bytes: ArraySlice<UInt8>) -> String {
            String(decoding: bytes, as: UTF8.self).split(separator: " ").joined(separator: " ")
        }
        if let volume = bytes(32768, 72), volume[0] == 1, Array(volume[1..<6]) == Array("CD001".utf8) {
            return ("iso9660", text(volume[40..<72]))
        }
        if let boot = bytes(0, 512), boot[510] == 0x55, boot[511] == 0xaa {
            if Array(boot[82..<90]) == Array("FAT32   ".utf8) { return ("vfat", text(boot[71..<82])) }
            if Array(boot[54..<57]) == Array("FAT".utf8) { return ("vfat", text(boot[43..<54])) }
        }
        return nil
    }
}
