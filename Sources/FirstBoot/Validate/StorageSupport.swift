// What slipway's first boot can set up on block devices, and the one wording of what it cannot:
// `validate` reports these at their JSON paths, and the initrd, which partitions disks and makes
// filesystems before the apply, refuses the same entries with the same messages. The spec allows
// them and Ignition applies them; here they would pass validation and then stop the boot.

/// The storage entries the image's first boot supports: disks, partitions, and filesystems it can make.
public enum StorageSupport {
    /// The filesystem formats first boot makes (with the image's mkfs.ext4, mkfs.vfat, mkswap).
    public static let formats = ["ext4", "vfat", "swap"]

    private static let supported = "disks, partitions and ext4, vfat and swap filesystems are supported"

    /// Why `storage.raid` entries are refused.
    public static let raidProblem =
        "software RAID arrays are not supported by slipway's first boot; remove storage.raid from the config "
        + "(\(supported))"

    /// Why `storage.luks` entries are refused.
    public static let luksProblem =
        "LUKS volumes are not supported by slipway's first boot; remove storage.luks from the config (\(supported))"

    /// Why a filesystem of `format` cannot be made, or nil when it can (or no format is given, which
    /// leaves the device as it is).
    public static func formatProblem(_ format: String?) -> String? {
        guard let format, !format.isEmpty, !formats.contains(format) else { return nil }
        return "unsupported format \(TextRules.quoted(format)): slipway's first boot makes ext4, vfat and swap "
            + "filesystems; use one of those"
    }
}

extension Validator {
    /// Entries of a valid config that first boot refuses. A format the spec does not know already has
    /// its error ("invalid filesystem format"), so only the spec's other formats are reported here.
    mutating func unsupportedStorage(_ storage: Storage) {
        let base = JSONPath.root.appending("storage")
        for index in storage.raid.indices { error(base.appending("raid", index), StorageSupport.raidProblem) }
        for index in storage.luks.indices { error(base.appending("luks", index), StorageSupport.luksProblem) }
        for (index, filesystem) in storage.filesystems.enumerated() {
            guard let format = filesystem.format, Validator.filesystemFormats(version).contains(format) else {
                continue
            }
            error(base.appending("filesystems", index, "format"), StorageSupport.formatProblem(format))
        }
    }
}
