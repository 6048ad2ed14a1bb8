// What filesystem a block device holds, read from its superblock, for `/dev/disk/by-label` and
// `by-uuid` without udev and for Ignition's rule that a matching filesystem is kept. Only the formats
// first boot creates are read in full (ext2/3/4, FAT, swap); XFS and btrfs are recognised by their
// magic so that they are not overwritten unasked.
//
//   ext2/3/4  superblock at byte 1024: magic 0xEF53 at +56, s_feature_compat at +92 (0x4 journal),
//             s_feature_incompat at +96 (0x40 extents, 0x80 64bit, 0x200 flex_bg), UUID at +104, label
//             (16 bytes) at +120
//   FAT       boot sector: 0x55AA at 510; FAT32: "FAT32   " at 82, volume id at 67, label at 71;
//             FAT12/16: "FAT1" at 54, volume id at 39, label at 43 (11 bytes, "NO NAME" for none)
//   swap      "SWAPSPACE2" in the last 10 bytes of the first 4 KiB page, UUID at 1036, label at 1052
//   XFS       "XFSB" at 0;  btrfs: "_BHRfS_M" at 65600
import Glibc
import PartitionTable

/// A filesystem found on a device.
struct FilesystemIdentity: Equatable {
    /// `ext4`, `ext3`, `ext2`, `vfat`, `swap`, `xfs` or `btrfs` (blkid's names).
    var format: String
    var label: String?
    /// Lower-case canonical UUID, or `ABCD-1234` for FAT.
    var uuid: String?

    var summary: String {
        format + (label.map { " labelled \"\($0)\"" } ?? "") + (uuid.map { " with UUID \($0)" } ?? "")
    }
}

enum FilesystemProbe {
    /// The filesystem on `/dev/<name>`, or nil when none of the known signatures is there.
    static func identify(_ name: String) throws -> FilesystemIdentity? {
        let path = "/dev/" + name
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw InitrdError("open \(path): \(System.reason())") }
        defer { close(fd) }
        let size = try DiskDevice.sysfsSectors(name) * 512
        guard size >= 4096 else { return nil }
        let head = try DiskDevice.readExactly(fd, path, offset: 0, count: 4096)
        if let found = ext(head) ?? fat(head) ?? swap(head) { return found }
        if Array(head[0..<4]) == Array("XFSB".utf8) { return FilesystemIdentity(format: "xfs") }
        if size >= 65600 + 8,
            try DiskDevice.readExactly(fd, path, offset: 65600, count: 8) == Array("_BHRfS_M".utf8)
        {
            return FilesystemIdentity(format: "btrfs")
        }
        return nil
    }

    private static func ext(_ bytes: [UInt8]) -> FilesystemIdentity? {
        let base = 1024
        guard bytes[base + 56] == 0x53, bytes[base + 57] == 0xEF else { return nil }
        let compat = u32(bytes, base + 92), incompat = u32(bytes, base + 96)
        let format = incompat & (0x40 | 0x80 | 0x200) != 0 ? "ext4" : compat & 0x4 != 0 ? "ext3" : "ext2"
        return FilesystemIdentity(
            format: format, label: text(bytes[(base + 120)..<(base + 136)]), uuid: uuid(bytes, base + 104))
    }

    private static func fat(_ bytes: [UInt8]) -> FilesystemIdentity? {
        guard bytes[510] == 0x55, bytes[511] == 0xAA, bytes[0] == 0xEB || bytes[0] == 0xE9 else { return nil }
        let (id, label): (Int, Int)
        if Array(bytes[82..<90]) == Array("FAT32   ".utf8) {
            (id, label) = (67, 71)
        } else if Array(bytes[54..<58]) == Array("FAT1".utf8) {
            (id, label) = (39, 43)
        } else {
            return nil
        }
        let serial = u32(bytes, id)
        let name = text(bytes[label..<(label + 11)]).map { $0.trimmingSpaces() }
        return FilesystemIdentity(
            format: "vfat", label: name == "NO NAME" || name == "" ? nil : name,
            uuid: hex(serial >> 16) + "-" + hex(serial & 0xFFFF))
    }

    private static func swap(_ bytes: [UInt8]) -> FilesystemIdentity? {
        let magic = Array(bytes[4086..<4096])
        guard magic == Array("SWAPSPACE2".utf8) || magic == Array("SWAP-SPACE".utf8) else { return nil }
        return FilesystemIdentity(format: "swap", label: text(bytes[1052..<1068]), uuid: uuid(bytes, 1036))
    }

    private static func u32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
    }

    /// NUL-padded text; nil when empty.
    private static func text(_ bytes: ArraySlice<UInt8>) -> String? {
        let used = bytes.prefix { $0 != 0 }
        return used.isEmpty ? nil : String(decoding: used, as: UTF8.self)
    }

    /// A UUID stored in byte order; nil when all zero.
    private static func uuid(_ bytes: [UInt8], _ offset: Int) -> String? {
        let raw = Array(bytes[offset..<(offset + 16)])
        guard raw.contains(where: { $0 != 0 }), let guid = GUID(bytes: raw) else { return nil }
        return guid.description
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

extension String {
    /// Without trailing spaces (FAT pads its labels with them).
    fileprivate func trimmingSpaces() -> String {
        var text = Substring(self)
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
