// Finding a partition by GPT name or unique GUID without udev. The kernel puts a partition's GPT
// name in its uevent (PARTNAME=) but not its GUID, so PARTUUID is read from the disk's GPT here.
//
// devtmpfs creates /dev/<DEVNAME> for every block device, so no node has to be made by hand.
import Glibc

/// A block device as sysfs describes it.
struct BlockDevice {
    var name: String
    var isPartition: Bool
    var partitionNumber: Int?
    var partitionName: String?
    /// The whole disk a partition belongs to (its parent directory in sysfs).
    var disk: String?

    var devicePath: String { "/dev/" + name }

    /// A short description for error messages: `vda2 (partition 2 "ROOT-A")`.
    var summary: String {
        guard isPartition else { return "\(name) (disk)" }
        let label = partitionName.map { " \"\($0)\"" } ?? ""
        return "\(name) (partition \(partitionNumber.map(String.init) ?? "?")\(label))"
    }
}

enum BlockDevices {
    /// Every block device the kernel knows now.
    static func scan() -> [BlockDevice] {
        guard let names = try? System.listDirectory("/sys/class/block") else { return [] }
        return names.compactMap { name in
            guard let text = try? System.readText("/sys/class/block/\(name)/uevent") else { return nil }
            var fields: [String: String] = [:]
            for line in text.split(separator: "\n") {
                guard let equals = line.firstIndex(of: "=") else { continue }
                fields[String(line[..<equals])] = String(line[line.index(after: equals)...])
            }
            let isPartition = fields["DEVTYPE"] == "partition"
            var disk: String?
            if isPartition, let real = realpath("/sys/class/block/\(name)", nil) {
                let parts = String(cString: real).split(separator: "/")
                free(real)
                if parts.count >= 2 { disk = String(parts[parts.count - 2]) }
            }
            return BlockDevice(
                name: fields["DEVNAME"] ?? name, isPartition: isPartition,
                partitionNumber: fields["PARTN"].flatMap { Int($0) }, partitionName: fields["PARTNAME"], disk: disk)
        }
    }

    /// Waits until exactly one partition matches `reference` and its device node exists; returns it.
    /// Fails after `timeout` seconds, listing the block devices that did appear.
    static func waitFor(_ reference: PartitionReference, role: String, timeout: Int) throws -> BlockDevice {
        let deadline = Console.uptime() + Double(timeout)
        var seen: [BlockDevice] = []
        while true {
            seen = scan()
            let matches = try find(reference, in: seen)
            if matches.count > 1 {
                throw InitrdError(
                    "\(role) \(reference) matches \(matches.count) partitions (\(matches.map(\.name).joined(separator: ", "))); "
                        + "detach the other disk or boot by PARTUUID")
            }
            if let device = matches.first, System.exists(device.devicePath) { return device }
            if Console.uptime() >= deadline { break }
            System.sleep(seconds: 0.1)
        }
        let inventory = seen.isEmpty ? "none" : seen.map(\.summary).joined(separator: ", ")
        throw InitrdError(
            "\(role) partition \(reference) did not appear within \(timeout) s (block devices: \(inventory)); "
                + "check slipway.\(role)= on the kernel command line and that the disk driver (e.g. virtio_blk) "
                + "is among the initrd's modules")
    }

    private static func find(_ reference: PartitionReference, in devices: [BlockDevice]) throws -> [BlockDevice] {
        switch reference {
        case .label(let name):
            return devices.filter { $0.isPartition && $0.partitionName == name }
        case .uuid(let uuid):
            var guidsByDisk: [String: [Int: String]] = [:]
            return devices.filter { device in
                guard device.isPartition, let disk = device.disk, let number = device.partitionNumber else {
                    return false
                }
                if guidsByDisk[disk] == nil { guidsByDisk[disk] = uniqueGUIDs(disk: disk) }
                return guidsByDisk[disk]?[number] == uuid
            }
        }
    }

    /// Unique partition GUIDs by partition number, lowercase; empty if the disk has no readable GPT.
    private static func uniqueGUIDs(disk name: String) -> [Int: String] {
        let disk = DiskDevice(name: name)
        guard let fd = try? disk.open(O_RDONLY) else { return [:] }
        defer { close(fd) }
        guard let table = try? disk.partitionTable(on: fd, primaryOnly: true) else { return [:] }
        return Dictionary(uniqueKeysWithValues: table.partitions.map { ($0.number, $0.guid.description.lowercased()) })
    }
}
