// Contents too large for the partition or image that holds them, reported at the profile key whose
// size is too small, with both sizes and the smallest size that fits:
//
//   p.yaml:23:8: disk.esp "40MiB": the ESP's files (...) take 52.3 MiB (54829056 bytes) but ...
//
// A size the profile left to its default is reported at the section that would have held it.
import Disk
import Ext4
import Profile

enum SizeProblems {
    /// The layout's `DiskError` for contents that do not fit, at the `disk:` key to change; nil for
    /// other errors. `rootfsName` is the root image's output name, once it is written.
    static func atProfileKey(_ error: DiskError, profile: Profile, rootfsName: String?) -> ProfileErrors? {
        let disk = profile.disk
        switch error {
        case .contentTooLarge(let partition, let content, let partitionSize) where partition == DiskLayout.Role.esp.name:
            return profileProblem(
                disk.esp, key: "disk.esp", shown: Profile.formatSize(disk.esp.value),
                "the ESP's files (systemd-boot, and slot A's kernel, initrd and loader entry) and the FAT "
                    + "filesystem's tables take \(measured(content)) but the partition is "
                    + "\(ByteSize.text(partitionSize)); set disk.esp to at least \(wholeMiB(content))")
        case .contentTooLarge(let partition, let content, let partitionSize)
        where partition == DiskLayout.Role.rootA.name:
            guard case .fixed(let slot) = disk.root.value else { return nil }
            return profileProblem(
                disk.root, key: "disk.root", shown: Profile.formatSize(slot),
                "the root filesystem \(rootfsName ?? "image") is \(ByteSize.text(content)) but each root slot is "
                    + "\(ByteSize.text(partitionSize)); set disk.root to at least \(wholeMiB(content)) or to auto")
        case .diskTooSmall(let needed, let total):
            guard case .fixed = disk.size.value else { return nil }
            let slots = rootfsName.map { " with root slots sized for the root filesystem \($0)" } ?? ""
            return profileProblem(
                disk.size, key: "disk.size", shown: Profile.formatSize(total),
                "the partitions and partition tables need \(ByteSize.text(needed))\(slots); "
                    + "set disk.size to at least \(wholeMiB(needed)) or to auto")
        default:
            return nil
        }
    }

    /// The root image's `Ext4Error` for a tree that does not fit a fixed `root.size`, at that key;
    /// nil for other errors. `rootfsName` is the image's output name (the error names the staged file).
    static func atProfileKey(_ error: Ext4Error, profile: Profile, rootfsName: String) -> ProfileErrors? {
        guard
            case .doesNotFit(let neededBytes, let availableBytes, let neededInodes, let availableInodes) = error.reason,
            case .fixed(let size) = profile.root.size.value
        else { return nil }
        let image = Profile.formatSize(size)
        var shortfalls: [String] = []
        if neededBytes > availableBytes {
            shortfalls.append(
                "needs \(measured(UInt64(neededBytes))) of data and metadata but a \(image) image has "
                    + "\(measured(UInt64(max(availableBytes, 0)))) free")
        }
        if neededInodes > availableInodes {
            shortfalls.append("needs \(neededInodes) inodes but a \(image) image has \(availableInodes)")
        }
        return profileProblem(
            profile.root.size, key: "root.size", shown: image,
            "the root filesystem \(rootfsName) \(shortfalls.joined(separator: " and ")); "
                + "raise root.size or set it to auto")
    }

    /// A measured amount, the same way whatever its value: "52.3 MiB (54829056 bytes)".
    private static func measured(_ bytes: UInt64) -> String {
        let tenths = bytes * 10 / ByteSize.mebibyte
        return "\(tenths / 10).\(tenths % 10) MiB (\(bytes) bytes)"
    }

    /// `bytes` rounded up to whole MiB, as a profile size ("53MiB"): partitions are whole MiB.
    private static func wholeMiB(_ bytes: UInt64) -> String {
        Profile.formatSize((bytes + ByteSize.mebibyte - 1) / ByteSize.mebibyte * ByteSize.mebibyte)
    }
}
