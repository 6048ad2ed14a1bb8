// One entry of `storage.disks`: the disk's GPT read (or a new one for a blank disk or wipeTable),
// the partitions planned by the PartitionTable module (Ignition's semantics, see GPT+Plan.swift),
// the table written back when anything changed, and the kernel told (BLKRRPART, or BLKPG per
// partition when another partition of the disk is in use).
import CLinux
import FirstBoot
import Glibc
import PartitionTable

/// A storage entry that cannot be applied: `subject` is its place in the config.
struct StorageError: Error {
    var subject: String
    var message: String
}

enum DiskPartitioner {
    /// Applies `disk` (entry `index` of storage.disks) to the whole disk `device`. Returns the log line.
    static func apply(_ disk: Disk, index: Int, device: BlockDevice) throws -> String {
        let subject = "$.storage.disks.\(index) (\(disk.device))"
        guard !device.isPartition else {
            throw StorageError(
                subject: subject, message: "\(device.summary) is a partition; storage.disks names whole disks")
        }
        let drive = DiskDevice(name: device.name)
        let fd = Glibc.open(drive.path, O_RDWR | O_EXCL | O_CLOEXEC)
        guard fd >= 0 else {
            throw StorageError(
                subject: subject,
                message:
                    "open \(drive.path): \(System.reason())\(errno == EBUSY ? " (a partition of it is in use)" : "")")
        }
        defer { close(fd) }
        let wipe = disk.wipeTable == true
        let current = wipe ? nil : try existingTable(drive, fd: fd, subject: subject)
        let sectors = try drive.sectorCount()
        let table = current ?? GPT.Table(diskGUID: RandomGUID.make(), sectorCount: sectors, partitions: [])
        let requests = try disk.partitions.enumerated().map { (offset, partition) in
            try request(partition, subject: "\(subject).partitions.\(offset)")
        }
        let planned: (table: GPT.Table, steps: [GPT.PlanStep])
        do {
            planned = try table.planned(requests, newGUID: RandomGUID.make)
        } catch {
            throw StorageError(subject: "$.storage.disks.\(index).partitions.\(error.index)", message: error.reason)
        }
        let changed = planned.steps.filter(\.changes)
        guard current == nil || !changed.isEmpty else {
            return "\(drive.path): partitions as configured, nothing to change"
        }
        let regions: [GPT.Region]
        do { regions = try planned.table.regions() } catch { throw StorageError(subject: subject, message: "\(error)") }
        // The backup copy first: until the primary header is rewritten, readers find the old table.
        for region in regions.reversed() {
            try DiskDevice.writeExactly(fd, drive.path, region.bytes, offset: region.offset)
        }
        guard fsync(fd) == 0 else { throw InitrdError("fsync \(drive.path): \(System.reason())") }
        try tellKernel(fd, drive.path, before: current ?? table, after: planned.table, subject: subject)
        let summary = planned.steps.map { step -> String in
            let name = planned.table.partitions.first { $0.number == step.number }.map { " \"\($0.name)\"" } ?? ""
            return "\(step.action) \(step.number)\(name)"
        }
        return "\(drive.path): wrote \(wipe || current == nil ? "a new " : "")GPT: "
            + (summary.isEmpty ? "no partitions" : summary.joined(separator: ", "))
    }

    /// The disk's table on its real size, or nil for a blank disk. A disk holding anything else is refused.
    private static func existingTable(_ drive: DiskDevice, fd: Int32, subject: String) throws -> GPT.Table? {
        let head = try DiskDevice.readExactly(fd, drive.path, offset: 0, count: 1024)
        let hasMBR = head[510] == 0x55 && head[511] == 0xAA
        let hasGPT = Array(head[512..<520]) == Array("EFI PART".utf8)
        if !hasMBR && !hasGPT {
            if let filesystem = try FilesystemProbe.identify(drive.name) {
                throw StorageError(
                    subject: subject,
                    message: "\(drive.path) holds a whole-disk \(filesystem.summary), not a partition table; set "
                        + "wipeTable: true to replace it")
            }
            return nil
        }
        do {
            let table = try drive.partitionTable(on: fd)
            // Re-based on the disk's real size, as sgdisk does: an image copied to a larger disk
            // gets its backup copy at the new end.
            return GPT.Table(
                diskGUID: table.diskGUID, sectorCount: try drive.sectorCount(), partitions: table.partitions)
        } catch let error as InitrdError {
            throw StorageError(subject: subject, message: "\(error.message); set wipeTable: true to replace it")
        }
    }

    private static func request(_ partition: Partition, subject: String) throws -> GPT.PartitionRequest {
        func guid(_ text: String?, _ key: String) throws -> GUID? {
            guard let text, !text.isEmpty else { return nil }
            guard let value = GUID(text) else {
                throw StorageError(subject: "\(subject).\(key)", message: "\"\(text)\" is not a GUID")
            }
            return value
        }
        return GPT.PartitionRequest(
            number: partition.number, name: partition.label, startMiB: partition.startMiB,
            sizeMiB: partition.sizeMiB, type: try guid(partition.typeGuid, "typeGuid"),
            guid: try guid(partition.guid, "guid"), wipeEntry: partition.wipePartitionEntry == true,
            shouldExist: partition.shouldExist != false, resize: partition.resize == true)
    }

    /// Re-reads the table, or when a partition is in use (EBUSY) updates the changed ones with BLKPG.
    private static func tellKernel(_ fd: Int32, _ path: String, before: GPT.Table, after: GPT.Table, subject: String)
        throws
    {
        if slipway_reread_partitions(fd) == 0 { return }
        let reread = System.reason()
        let old = Dictionary(uniqueKeysWithValues: before.partitions.map { ($0.number, $0) })
        let new = Dictionary(uniqueKeysWithValues: after.partitions.map { ($0.number, $0) })
        for number in Set(old.keys).union(new.keys).sorted() where old[number] != new[number] {
            if old[number] != nil, slipway_delete_partition(fd, Int32(number)) != 0, errno != ENXIO {
                throw StorageError(
                    subject: subject,
                    message: "the GPT of \(path) is written but the kernel keeps partition \(number) (re-read: "
                        + "\(reread); BLKPG delete: \(System.reason())); it takes effect at the next boot")
            }
            if let partition = new[number],
                slipway_add_partition(fd, Int32(number), Int64(partition.offset), Int64(partition.size)) != 0
            {
                throw StorageError(
                    subject: subject,
                    message: "the GPT of \(path) is written but the kernel did not add partition \(number) (BLKPG: "
                        + "\(System.reason()))")
            }
        }
    }
}

/// Random (version 4) GUIDs from the kernel's generator.
enum RandomGUID {
    static func make() -> GUID {
        var bytes = [UInt8](repeating: 0, count: 16)
        let fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            _ = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, 16) }
            close(fd)
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return GUID(bytes: bytes) ?? .zero
    }
}
