// libblkid, the library behind blkid(8) and udev's filesystem detection, used here as the
// independent reader of what the build wrote: filesystem type, label and UUID of a region of an
// image file, and the partition entries as libblkid sees them.
import CBlkid
import Foundation

/// A filesystem found in a partition.
public struct FilesystemInfo: Equatable, Sendable {
    /// blkid's TYPE: "ext4", "vfat", ...
    public var type: String
    /// LABEL, if the filesystem has one.
    public var label: String?
    /// UUID (for FAT the volume ID as "XXXX-XXXX").
    public var uuid: String?
    /// VERSION: "FAT32", "1.0", ...
    public var version: String?

    public init(type: String, label: String? = nil, uuid: String? = nil, version: String? = nil) {
        self.type = type
        self.label = label
        self.uuid = uuid
        self.version = version
    }
}

/// A partition entry as libblkid reads it.
struct BlkidPartition: Equatable {
    var number: Int
    var name: String?
    var uuid: String?
    var type: String?
    /// In 512-byte sectors.
    var start: UInt64
    var size: UInt64
}

/// A libblkid probe over a byte range of an image file; the probe and the file are released in deinit.
final class BlkidProbe {
    let path: String
    private let descriptor: Int32
    private let probe: blkid_probe

    /// Opens `path` read-only and limits probing to `size` bytes from `offset` (blkid_probe_set_device).
    init(path: String, offset: UInt64, size: UInt64) throws {
        self.path = path
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw InspectError(operation: "open for probing", path: path, message: String(cString: strerror(errno)))
        }
        guard let probe = blkid_new_probe() else {
            close(descriptor)
            throw InspectError(operation: "blkid_new_probe", path: path, message: "libblkid could not allocate a probe")
        }
        self.probe = probe
        try checkBlkid(
            blkid_probe_set_device(probe, descriptor, blkid_loff_t(offset), blkid_loff_t(size)),
            "blkid_probe_set_device at byte \(offset)", path: path)
    }

    deinit {
        blkid_free_probe(probe)
        close(descriptor)
    }

    /// The filesystem in the range, or nil when libblkid recognizes none (blkid_do_safeprobe with the
    /// superblocks chain only).
    func filesystem() throws -> FilesystemInfo? {
        try checkBlkid(blkid_probe_enable_partitions(probe, 0), "blkid_probe_enable_partitions", path: path)
        try checkBlkid(blkid_probe_enable_superblocks(probe, 1), "blkid_probe_enable_superblocks", path: path)
        let flags = BLKID_SUBLKS_TYPE | BLKID_SUBLKS_LABEL | BLKID_SUBLKS_UUID | BLKID_SUBLKS_VERSION
        try checkBlkid(
            blkid_probe_set_superblocks_flags(probe, Int32(flags)), "blkid_probe_set_superblocks_flags", path: path)
        let found = try checkBlkid(blkid_do_safeprobe(probe), "blkid_do_safeprobe (filesystems)", path: path)
        guard found == 0, let type = value("TYPE") else { return nil }
        return FilesystemInfo(type: type, label: value("LABEL"), uuid: value("UUID"), version: value("VERSION"))
    }

    /// The partition entries of the disk in the range (blkid_probe_get_partitions).
    func partitions() throws -> [BlkidPartition] {
        try checkBlkid(blkid_probe_enable_superblocks(probe, 0), "blkid_probe_enable_superblocks", path: path)
        try checkBlkid(blkid_probe_enable_partitions(probe, 1), "blkid_probe_enable_partitions", path: path)
        try checkBlkid(
            blkid_probe_set_partitions_flags(probe, Int32(BLKID_PARTS_ENTRY_DETAILS)),
            "blkid_probe_set_partitions_flags",
            path: path)
        let found = try checkBlkid(blkid_do_safeprobe(probe), "blkid_do_safeprobe (partitions)", path: path)
        guard found == 0, let list = blkid_probe_get_partitions(probe) else { return [] }
        let count = try checkBlkid(blkid_partlist_numof_partitions(list), "blkid_partlist_numof_partitions", path: path)
        return (0..<count).compactMap { index in
            guard let partition = blkid_partlist_get_partition(list, index) else { return nil }
            return BlkidPartition(
                number: Int(blkid_partition_get_partno(partition)),
                name: blkid_partition_get_name(partition).map { String(cString: $0) },
                uuid: blkid_partition_get_uuid(partition).map { String(cString: $0) },
                type: blkid_partition_get_type_string(partition).map { String(cString: $0) },
                start: UInt64(max(0, blkid_partition_get_start(partition))),
                size: UInt64(max(0, blkid_partition_get_size(partition))))
        }
    }

    /// A value of the last probe (blkid_probe_lookup_value), nil when absent.
    private func value(_ name: String) -> String? {
        var data: UnsafePointer<CChar>?
        var length = 0
        guard blkid_probe_lookup_value(probe, name, &data, &length) == 0, let data else { return nil }
        return String(cString: data)
    }
}
