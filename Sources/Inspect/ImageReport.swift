// What `slipway inspect` finds in an image. The JSON form has stable keys: every key is always
// present (null when there is no value), and keys are sorted.
public import BootSlots
public import Disk

/// Everything inspect reads from an image.
public struct ImageReport: Equatable, Sendable {
    /// The image file as given.
    public var image: String
    /// Its size in bytes.
    public var size: UInt64
    /// The GPT disk GUID.
    public var diskGUID: GUID
    /// Partitions in table order.
    public var partitions: [PartitionReport]
    /// The A/B slots: one per ROOT-x partition.
    public var slots: [SlotReport]
    /// Every loader entry in the ESP's loader/entries.
    public var bootEntries: [BootEntryReport]
    /// The NAME.manifest.json beside the image, when there is one.
    public var manifest: ManifestSummary?
    /// Things that looked wrong but did not stop the inspection.
    public var warnings: [String]
}

/// One partition.
public struct PartitionReport: Equatable, Sendable {
    public var number: Int
    /// PARTLABEL.
    public var name: String
    public var type: GUID
    /// A human name of the type ("EFI System"), nil for unknown types.
    public var typeName: String?
    /// PARTUUID.
    public var guid: GUID
    public var firstLBA: UInt64
    public var lastLBA: UInt64
    /// Byte offset and size.
    public var offset: UInt64
    public var size: UInt64
    public var attributes: UInt64
    /// What libblkid finds in it; nil when it is empty or unrecognized.
    public var filesystem: FilesystemInfo?
}

/// One A/B slot.
public struct SlotReport: Equatable, Sendable {
    /// "a", "b".
    public var slot: String
    /// Its root partition, "ROOT-A".
    public var partition: String
    /// Whether the root partition holds a filesystem.
    public var populated: Bool
    /// The slot's loader entries (file names), boot-counted ones first by name.
    public var entries: [String]
    /// The boot-assessment state of its first entry; nil without one.
    public var state: LoaderEntryName.State?
    public var triesLeft: Int?
    public var triesDone: Int?
    /// The OS version the entry boots (`slipway.version=` on its command line).
    public var version: String?
    /// The entry's install generation (its "version" line): the highest boots first.
    public var generation: Int?
    /// Whether the boot loader picks this slot next.
    public var bootsNext: Bool
}

/// One loader entry file in the ESP.
public struct BootEntryReport: Equatable, Sendable {
    /// The file name in loader/entries.
    public var file: String
    /// The entry ID (the name without counter and .conf).
    public var id: String
    public var slot: String?
    public var state: LoaderEntryName.State
    public var triesLeft: Int?
    public var triesDone: Int?
    public var title: String?
    /// The "version" line: slipway writes the install generation there.
    public var version: String?
    public var sortKey: String?
    public var linux: String?
    public var initrd: [String]
    public var options: String?
}

/// The essentials of NAME.manifest.json, read without depending on the build's types so that
/// manifests of other versions still show what they can.
public struct ManifestSummary: Equatable, Sendable {
    public var path: String
    public var tool: String?
    public var profile: String?
    public var profileDigest: String?
    public var sourceDateEpoch: Int64?
    public var layers: Int?
    public var packages: Int?
    /// Output role → file name and SHA-256.
    public var outputs: [String: ManifestOutput]
    /// Why the manifest could not be read, when it could not.
    public var problem: String?
}

/// One output recorded in the manifest.
public struct ManifestOutput: Equatable, Sendable {
    public var file: String
    public var sha256: String?
}
