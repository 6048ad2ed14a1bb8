// Device paths of a first-boot config without udev. The initrd has devtmpfs, which makes /dev/vdb
// and /dev/vdb1 but none of udev's /dev/disk/by-* links, so those are resolved here from what udev
// itself reads:
//   /dev/NAME                      a kernel name from /sys/class/block (vdb, vdb1, sda, nvme0n1p2)
//   /dev/disk/by-partlabel/NAME    the GPT partition name, read from each disk's table
//   /dev/disk/by-partuuid/GUID     the GPT unique partition GUID (either case)
//   /dev/disk/by-label/LABEL       the filesystem label of ext2/3/4, FAT or swap (FilesystemProbe)
//   /dev/disk/by-uuid/UUID         the filesystem UUID of the same (ABCD-1234 for FAT)
//   /dev/disk/by-id/virtio-SERIAL  a virtio disk by its serial (QEMU's `-drive serial=`)
// udev's \xHH escapes in link names (by-label/my\x20data) are decoded. Anything else is an error
// that lists these forms. A name that matches more than one device is an error too.
import Glibc
import PartitionTable

enum DevicePaths {
    static let forms =
        "/dev/NAME, /dev/disk/by-partlabel/, by-partuuid/, by-label/, by-uuid/ or by-id/virtio-SERIAL"

    /// The block device `path` names, waiting up to `timeout` seconds for it to appear (a partition
    /// the kernel has just been told about gets its node a moment later).
    static func resolve(_ path: String, timeout: Double = 10) throws -> BlockDevice {
        let deadline = Console.uptime() + timeout
        while true {
            let devices = BlockDevices.scan()
            let matches = try find(path, in: devices)
            if matches.count > 1 {
                throw InitrdError(
                    "\(path) matches \(matches.count) devices (\(matches.map(\.name).joined(separator: ", "))); "
                        + "name one of them")
            }
            if let device = matches.first, System.exists(device.devicePath) { return device }
            if Console.uptime() >= deadline {
                let inventory = devices.isEmpty ? "none" : devices.map(\.summary).joined(separator: ", ")
                throw InitrdError("\(path) did not appear within \(Int(timeout)) s (block devices: \(inventory))")
            }
            System.sleep(seconds: 0.1)
        }
    }

    private static func find(_ path: String, in devices: [BlockDevice]) throws -> [BlockDevice] {
        let byPrefix = "/dev/disk/by-"
        guard path.hasPrefix(byPrefix) else {
            let name = String(path.dropFirst(5))
            guard path.hasPrefix("/dev/"), !name.isEmpty, !name.contains("/") else {
                throw InitrdError("\(path) is not a device path the initrd can resolve; use \(forms)")
            }
            return devices.filter { $0.name == name }
        }
        let rest = path.dropFirst(byPrefix.count)
        guard let slash = rest.firstIndex(of: "/") else {
            throw InitrdError("\(path) is not a device path the initrd can resolve; use \(forms)")
        }
        let kind = String(rest[..<slash]), value = Escapes.udev(String(rest[rest.index(after: slash)...]))
        switch kind {
        case "partlabel": return partitions(in: devices) { $0.name == value }
        case "partuuid": return partitions(in: devices) { $0.guid.description == value.lowercased() }
        case "label": return devices.filter { (try? FilesystemProbe.identify($0.name))?.label == value }
        case "uuid":
            return devices.filter { (try? FilesystemProbe.identify($0.name))?.uuid?.lowercased() == value.lowercased() }
        case "id" where value.hasPrefix("virtio-"):
            let serial = String(value.dropFirst(7))
            return devices.filter { device in
                !device.isPartition
                    && (try? System.readValue("/sys/class/block/\(device.name)/serial")) == serial
            }
        default:
            throw InitrdError(
                "\(path): /dev/disk/by-\(kind)/\(value) links are not resolved by the initrd; use \(forms)")
        }
    }

    /// Partitions whose GPT entry (read from their disk's primary table, as the kernel does) matches.
    private static func partitions(in devices: [BlockDevice], where matches: (GPT.Partition) -> Bool) -> [BlockDevice] {
        var found: [BlockDevice] = []
        for disk in devices where !disk.isPartition {
            let device = DiskDevice(name: disk.name)
            guard let fd = try? device.open(O_RDONLY) else { continue }
            defer { close(fd) }
            guard let table = try? device.partitionTable(on: fd, primaryOnly: true) else { continue }
            for entry in table.partitions where matches(entry) {
                found += devices.filter { $0.isPartition && $0.disk == disk.name && $0.partitionNumber == entry.number }
            }
        }
        return found
    }
}
