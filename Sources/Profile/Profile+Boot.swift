// The boot part of the model: kernel, modules and the disk layout.

extension Profile {
    /// `kernel:`
    public struct Kernel: Sendable {
        /// `package` (default `linux-image-cloud-amd64`) or `files`.
        public var source: Located<KernelSource>
        /// `cmdline`: arguments added to every boot entry, in order.
        public var cmdline: [Located<String>]
        /// `modules.initrd`: modules (with their dependencies) loaded by the initrd, for early boot.
        public var initrdModules: [Located<String>]
        /// `modules.root`: modules (with their dependencies) shipped in the root and loaded at boot.
        public var rootModules: [Located<String>]
        /// `uki`: boot each slot from a unified kernel image (systemd-stub with the kernel, initrd,
        /// command line and os-release in one EFI program, signed as one with Secure Boot).
        public var uki: Located<Bool>
        public var location: SourceLocation
    }

    /// Where the kernel comes from.
    public enum KernelSource: Sendable, Hashable {
        /// A Debian kernel package; vmlinuz and modules are taken from it.
        case package(String)
        /// A kernel image on the host and, optionally, its modules directory (`lib/modules/VERSION`)
        /// and its build configuration (which initrd compressions it unpacks); those two are located
        /// for the build's errors.
        case files(image: HostPath, modulesDirectory: Located<HostPath>?, config: Located<HostPath>?)
    }

    /// The default kernel package.
    public static let defaultKernelPackage = "linux-image-cloud-amd64"

    /// `disk:`: partition sizes of the GPT disk: ESP, ROOT-A, ROOT-B, OEM (optional), STATE.
    public struct DiskLayout: Sendable {
        /// `size`: the whole disk; `auto` is the partitions plus the GPT's 2 MiB.
        public var size: Located<SizeSetting>
        /// `esp`: the FAT32 EFI system partition.
        public var esp: Located<UInt64>
        /// `root`: each of the two root slots; `auto` is the root filesystem's size.
        public var root: Located<SizeSetting>
        /// `oem`: the OEM partition, or `nil` for `none` (no OEM partition).
        public var oem: Located<UInt64>?
        /// `state`: STATE's size in the image; it grows to fill the disk on first boot.
        public var state: Located<UInt64>
        /// `format`: the disk image format.
        public var format: Located<ImageFormat>
        public var location: SourceLocation
    }

    /// Disk image formats.
    public enum ImageFormat: String, Sendable, Hashable, CaseIterable {
        /// A sparse raw disk, `NAME.img`.
        case raw
        /// `NAME.qcow2` too, converted with qemu-img.
        case qcow2
        /// `NAME.vmdk` too: a streamOptimized VMDK (AWS image import, VMware).
        case vmdk
        /// `NAME.vhd` too: a fixed VHD, the raw disk and a 512-byte footer (Azure).
        case vhd
        /// `NAME.tar.gz` too: the raw disk as `disk.raw` in a gzip'd GNU tar (GCE image import).
        case gce

        /// The file written beside `NAME.img`, or nil for raw alone.
        public var fileExtension: String? {
            switch self {
            case .raw: nil
            case .qcow2: "qcow2"
            case .vmdk: "vmdk"
            case .vhd: "vhd"
            case .gce: "tar.gz"
            }
        }

        /// "raw, qcow2, vmdk, vhd or gce", for messages.
        public static var choices: String {
            let names = allCases.map(\.rawValue)
            return names.dropLast().joined(separator: ", ") + " or " + (names.last ?? "")
        }
    }

    /// Bytes the GPT takes outside the partitions: 1 MiB before the first (alignment, protective
    /// MBR, primary header and entries) and 1 MiB after the last (backup entries and header).
    public static let gptOverhead: UInt64 = 2 << 20
    /// The smallest ESP a FAT32 file system fits in (65525 clusters of 512 bytes plus its tables).
    public static let minimumESPSize: UInt64 = 40 << 20
}
