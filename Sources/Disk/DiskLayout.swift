// Where each partition of a slipway disk goes. Numbers are fixed so that a partition is always the
// same /dev/vdaN whatever the profile says:
//
//   1 ESP     EFI System (C12A7328-…)          boot loader, kernels, initrds, loader entries
//   2 ROOT-A  root x86-64 (4F68BCE3-…)         read-only root, slot A
//   3 ROOT-B  root x86-64 (4F68BCE3-…)         read-only root, slot B
//   4 OEM     Linux data (0FC63DAF-…)          optional; entry 4 stays unused without it
//   5 STATE   Linux data (0FC63DAF-…)          writable state; takes the rest of a sized disk
//
// Both root slots carry the Discoverable Partitions root type, so tools recognize them as roots.
// OEM and STATE carry the generic Linux data type on purpose: the initrd finds them by PARTLABEL
// and mounts them itself, and the generic type is the one systemd-gpt-auto-generator never mounts on
// its own. The /var type (4D21B016-…) was rejected for STATE because it is auto-mounted only when
// its GUID is keyed to the machine ID, which does not exist when the image is built, and because
// STATE holds more than /var (the /etc overlay upper and /home).
//
// Every partition starts and ends on a 1 MiB boundary; sizes are rounded up to whole MiB. The
// first MiB holds the MBR and primary GPT, the last MiB the backup GPT.

/// The partitions of a slipway disk: sizes, offsets and GUIDs, computed before anything is written.
public struct DiskLayout: Equatable, Sendable {
    /// A partition's job on the disk.
    public enum Role: String, CaseIterable, Sendable, Codable {
        case esp, rootA, rootB, oem, state

        /// The GPT partition name (PARTLABEL).
        public var name: String {
            switch self {
            case .esp: "ESP"
            case .rootA: "ROOT-A"
            case .rootB: "ROOT-B"
            case .oem: "OEM"
            case .state: "STATE"
            }
        }

        /// The fixed GPT entry number.
        public var number: Int {
            switch self {
            case .esp: 1
            case .rootA: 2
            case .rootB: 3
            case .oem: 4
            case .state: 5
            }
        }

        /// The partition type GUID: `root` for the slots (the architecture's root type), ESP for the
        /// ESP, generic Linux data for OEM and STATE (see the top of this file for why).
        func type(root: GUID) -> GUID {
            switch self {
            case .esp: GPT.PartitionType.esp
            case .rootA, .rootB: root
            case .oem, .state: GPT.PartitionType.linuxData
            }
        }
    }

    /// Requested sizes in bytes. Each is rounded up to a whole MiB.
    public struct Sizes: Equatable, Sendable {
        /// The ESP: at least 16 MiB; 33 MiB or more is formatted FAT32, less FAT16 (see `ESPBuilder`).
        public var esp: UInt64
        /// Each root slot (ROOT-A and ROOT-B are the same size so either can hold any version).
        public var root: UInt64
        /// The OEM partition, or nil for none.
        public var oem: UInt64?
        /// STATE: its minimum; with a `total`, STATE takes everything the others leave.
        public var state: UInt64
        /// The whole disk, a whole number of MiB; nil makes it exactly as large as the partitions need.
        public var total: UInt64?

        public init(
            esp: UInt64 = 256 << 20, root: UInt64 = 1 << 30, oem: UInt64? = nil, state: UInt64 = 512 << 20,
            total: UInt64? = nil
        ) {
            self.esp = esp
            self.root = root
            self.oem = oem
            self.state = state
            self.total = total
        }
    }

    /// One placed partition.
    public struct Partition: Equatable, Sendable {
        public var role: Role
        /// Byte offset from the start of the disk (a multiple of 1 MiB).
        public var offset: UInt64
        /// Size in bytes (a multiple of 1 MiB).
        public var size: UInt64
        /// The partition type GUID.
        public var type: GUID
        /// The unique partition GUID (PARTUUID), derived from the layout's seed and the name.
        public var guid: GUID

        /// The GPT name (PARTLABEL).
        public var name: String { role.name }
        /// The GPT entry number.
        public var number: Int { role.number }
        /// First sector.
        public var firstLBA: UInt64 { offset / GPT.sectorSize }
        /// Last sector, inclusive.
        public var lastLBA: UInt64 { (offset + size) / GPT.sectorSize - 1 }
    }

    /// The disk GUID, derived from the seed.
    public let diskGUID: GUID
    /// The whole disk in bytes.
    public let size: UInt64
    /// The partitions in disk order.
    public let partitions: [Partition]

    /// The partition with `role`, if the layout has one.
    public subscript(role: Role) -> Partition? { partitions.first { $0.role == role } }

    /// The GPT that describes this layout.
    public var table: GPT.Table {
        GPT.Table(
            diskGUID: diskGUID, sectorCount: size / GPT.sectorSize,
            partitions: partitions.map { partition in
                GPT.Partition(
                    number: partition.number, type: partition.type, guid: partition.guid,
                    firstLBA: partition.firstLBA, lastLBA: partition.lastLBA, name: partition.name)
            })
    }
}
