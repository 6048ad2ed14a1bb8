// The ESP as the initrd uses it: the partition named ESP on the root slot's disk (or, when the boot
// failed before the root was found, the only one on any disk), mounted vfat on /run/slipway-esp.
// The first boot rewrites a loader entry there (BootEntryUpdate); a failed boot reads the entries'
// names to decide whether the other slot can boot instead (SlotFallback).
import CLinux
import Glibc

enum ESP {
    static let mountPoint = "/run/slipway-esp"
    static let partitionName = "ESP"

    /// The one partition named ESP on `disk`, or on any disk when `disk` is nil, with its device
    /// node; throws, listing the partitions looked at, when there is none or more than one.
    static func find(onDisk disk: String?) throws -> BlockDevice {
        let devices = BlockDevices.scan()
        let looked = devices.filter { $0.isPartition && (disk == nil || $0.disk == disk) }
        let candidates = looked.filter { $0.partitionName == partitionName }
        if candidates.count == 1, let esp = candidates.first, System.exists(esp.devicePath) { return esp }
        let place = disk.map { "on \($0), the root's disk" } ?? "on any disk"
        let problem =
            switch candidates.count {
            case 0: "no partition named \(partitionName) \(place)"
            case 1: "the \(partitionName) partition has no device node \(candidates[0].devicePath)"
            default: "\(candidates.count) partitions named \(partitionName) \(place)"
            }
        let partitions = looked.isEmpty ? "none" : looked.map(\.summary).joined(separator: ", ")
        throw InitrdError("\(problem) (partitions: \(partitions))")
    }

    /// Mounts `esp` (vfat, read-write) on `mountPoint`.
    static func mount(_ esp: BlockDevice) throws {
        try System.makeDirectory(mountPoint)
        try System.mount(
            esp.devicePath, on: mountPoint, type: "vfat", flags: UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC),
            what: "mount the ESP (is it FAT, and are vfat and its nls modules in the initrd?)")
    }

    /// Unmounts the ESP, logging (and otherwise ignoring) a failure: the caller syncs before any
    /// reboot, and FAT needs no journal replay.
    static func unmount() {
        if umount(mountPoint) != 0 {
            Console.log("could not unmount the ESP from \(mountPoint): \(System.reason())")
        }
    }
}
