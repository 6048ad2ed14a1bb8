// Finding a partition by GPT name or unique GUID without udev. The kernel puts a partition's GPT
// name in its uevent (PARTNAME=) but not its GUID, so PARTUUID is read from the disk's GPT here:
//
//   LBA 1: header  "EFI PART" @0 · partition entry LBA @72 (u64) · entry count @80 (u32) · entry size @84 (u32)
//   entry:         type GUID @0 · unique GUID @16 (16 bytes: u32 LE, u16 LE, u16 LE, 8 bytes as stored)
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
                if guidsByDisk[disk] == nil { guidsByDisk[disk] = GPT.uniqueGUIDs(disk: "/dev/" + disk) }
                return guidsByDisk[disk]?[number] == uuid
            }
        }
    }
}

/// Reading partition GUIDs from a GPT disk.
enum GPT {
    /// Unique partition GUIDs by partition number (1-based), lowercase; empty if the disk has no GPT.
    static func uniqueGUIDs(disk: String) -> [Int: String] {
        let fd = open(disk, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [:] }
        defer { close(fd) }
        let sectorSize = logicalBlockSize(disk)
        guard let header = readBytes(fd, offset: sectorSize, count: 92), header.starts(with: Array("EFI PART".utf8))
        else { return [:] }
        let entriesLBA = littleEndian(header, 72, 8)
        let count = littleEndian(header, 80, 4)
        let entrySize = littleEndian(header, 84, 4)
        guard count > 0, count <= 1024, entrySize >= 128, entrySize <= 4096, entriesLBA >= 2, entriesLBA < (1 << 40),
            let table = readBytes(fd, offset: entriesLBA * sectorSize, count: count * entrySize)
        else { return [:] }
        var guids: [Int: String] = [:]
        for index in 0..<count {
            let base = index * entrySize
            let type = table[base..<(base + 16)]
            if type.allSatisfy({ $0 == 0 }) { continue }
            guids[index + 1] = format(Array(table[(base + 16)..<(base + 32)]))
        }
        return guids
    }

    /// The text form of an on-disk GUID (first three fields little-endian).
    static func format(_ bytes: [UInt8]) -> String {
        let order = [3, 2, 1, 0, -1, 5, 4, -1, 7, 6, -1, 8, 9, -1, 10, 11, 12, 13, 14, 15]
        let digits = Array("0123456789abcdef")
        var text = ""
        for index in order {
            if index < 0 {
                text.append("-")
            } else {
                text.append(digits[Int(bytes[index] >> 4)])
                text.append(digits[Int(bytes[index] & 0xf)])
            }
        }
        return text
    }

    private static func logicalBlockSize(_ disk: String) -> Int {
        let name = disk.split(separator: "/").last.map(String.init) ?? disk
        guard let text = try? System.readText("/sys/class/block/\(name)/queue/logical_block_size"),
            let size = Int(text.split(separator: "\n").first ?? ""), size >= 512, size <= 65536
        else { return 512 }
        return size
    }

    private static func readBytes(_ fd: Int32, offset: Int, count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = bytes.withUnsafeMutableBytes { buffer in
                pread(fd, buffer.baseAddress.map { $0 + done }, count - done, off_t(offset + done))
            }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { return nil }
            done += got
        }
        return bytes
    }

    private static func littleEndian(_ bytes: [UInt8], _ offset: Int, _ width: Int) -> Int {
        var value = 0
        for index in (0..<width).reversed() { value = value << 8 | Int(bytes[offset + index]) }
        return value
    }
}
