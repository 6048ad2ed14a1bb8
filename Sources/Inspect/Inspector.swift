// Reading an image back: our own GPT reader (which verifies both copies and their CRCs), libblkid
// for each partition's filesystem and as a second opinion on the partition entries, mtools for the
// ESP's loader entries, and the manifest beside the image.
import BootSlots
import Disk
import Foundation

/// Inspects raw slipway disk images.
public enum Inspector {
    /// Reads the image at `path`: raw, qcow2, VMDK or VHD. Throws `DiskError.invalidGPT` when the
    /// partition table is missing or damaged, `InspectError` when the file cannot be probed.
    public static func inspect(imageAt path: String) throws -> ImageReport {
        guard let format = try qemuFormat(path) else { return try inspect(rawImageAt: path, named: path) }
        // libblkid and mtools read raw bytes: a sparse raw copy in a scratch directory stands in.
        let scratch = try FileManager.default.url(
            for: .itemReplacementDirectory, in: .userDomainMask, appropriateFor: URL(fileURLWithPath: path),
            create: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let raw = scratch.appendingPathComponent("disk.img").path
        try DiskImage.convertToRaw(image: path, format: format, to: raw)
        return try inspect(rawImageAt: raw, named: path)
    }

    /// Reads the raw image at `path`, reporting it (and finding its manifest) as `name`.
    private static func inspect(rawImageAt path: String, named name: String) throws -> ImageReport {
        let table = try GPT.read(imageAt: path)
        var warnings: [String] = []

        let blkidView = try BlkidProbe(path: path, offset: 0, size: table.sectorCount * GPT.sectorSize).partitions()
        var partitions: [PartitionReport] = []
        for entry in table.partitions {
            let filesystem = try BlkidProbe(path: path, offset: entry.offset, size: entry.size).filesystem()
            partitions.append(
                PartitionReport(
                    number: entry.number, name: entry.name, type: entry.type,
                    typeName: GPT.PartitionType.name(of: entry.type), guid: entry.guid, firstLBA: entry.firstLBA,
                    lastLBA: entry.lastLBA, offset: entry.offset, size: entry.size, attributes: entry.attributes,
                    filesystem: filesystem))
            let seen = blkidView.first { $0.number == entry.number }
            if seen?.uuid.flatMap(GUID.init) != entry.guid || seen?.start != entry.firstLBA {
                warnings.append(
                    "libblkid reads partition \(entry.number) differently: \(seen.map { "\($0)" } ?? "absent")")
            }
        }

        var bootEntries: [BootEntryReport] = []
        if let esp = partitions.first(where: { $0.type == GPT.PartitionType.esp }) {
            if esp.filesystem?.type == "vfat" {
                do {
                    bootEntries = try readBootEntries(image: path, offset: esp.offset)
                } catch {
                    warnings.append("the ESP's loader entries could not be read: \(error)")
                }
            } else {
                warnings.append("the ESP (partition \(esp.number)) holds no FAT filesystem")
            }
        }

        return ImageReport(
            image: name, size: table.sectorCount * GPT.sectorSize, diskGUID: table.diskGUID, partitions: partitions,
            slots: slots(partitions: partitions, entries: bootEntries), bootEntries: bootEntries,
            manifest: ManifestSummary.read(path: ManifestSummary.path(forImage: name)), warnings: warnings)
    }

    /// qemu-img's name for the format of `path` when it is not raw: "qcow2", "vmdk" or "vpc" (VHD),
    /// by magic number (a VHD's is in its last 512 bytes). Refuses what is not a regular file, and
    /// gzip (GCE's NAME.tar.gz) with what to inspect instead.
    static func qemuFormat(_ path: String) throws -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw InspectError(operation: "inspect", path: path, message: String(cString: strerror(errno)))
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw InspectError(operation: "inspect", path: path, message: "not a regular file: give a disk image file")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw InspectError(operation: "inspect", path: path, message: String(cString: strerror(errno)))
        }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 8)) ?? Data())
        if head.starts(with: [0x51, 0x46, 0x49, 0xFB]) { return "qcow2" }
        if head.starts(with: Array("KDMV".utf8)) { return "vmdk" }
        if head.starts(with: [0x1F, 0x8B]) {
            throw InspectError(
                operation: "inspect", path: path,
                message: "a gzip file (GCE's NAME.tar.gz?), not a disk image: inspect NAME.img, built beside it")
        }
        let size = UInt64(info.st_size)
        guard size >= 512, (try? handle.seek(toOffset: size - 512)) != nil else { return nil }
        let footer = [UInt8]((try? handle.read(upToCount: 8)) ?? Data())
        return head == Array("conectix".utf8) || footer == Array("conectix".utf8) ? "vpc" : nil
    }

    /// The loader entries in loader/entries, sorted by file name.
    static func readBootEntries(image: String, offset: UInt64) throws -> [BootEntryReport] {
        let names = try ESPReader.list(image: image, offset: offset, directory: "loader/entries") ?? []
        return try names.compactMap { file in
            guard let name = LoaderEntryName(fileName: file) else { return nil }
            let bytes = try ESPReader.read(image: image, offset: offset, path: "loader/entries/" + file)
            let entry = LoaderEntry(parsing: String(decoding: bytes, as: UTF8.self))
            return BootEntryReport(
                // "+3" means three left and none done yet, as systemd-boot reads it.
                file: file, id: name.id, slot: name.slot, state: name.state, triesLeft: name.triesLeft,
                triesDone: name.triesLeft.map { _ in name.triesDone ?? 0 }, title: entry.value("title"),
                version: entry.value("version"), sortKey: entry.value("sort-key"),
                linux: entry.value("linux"), initrd: entry.values("initrd"), options: entry.value("options"))
        }
    }

    /// One slot per ROOT-x partition, with the entries that boot it.
    static func slots(partitions: [PartitionReport], entries: [BootEntryReport]) -> [SlotReport] {
        let order = BootOrder.sorted(
            entries.compactMap { report in
                guard let slot = report.slot, let name = LoaderEntryName(fileName: report.file) else { return nil }
                let fields = [("version", report.version), ("sort-key", report.sortKey), ("options", report.options)]
                return SlotEntry(
                    slot: slot, fileName: name,
                    entry: LoaderEntry(fields: fields.compactMap { key, value in value.map { (key, $0) } }))
            })
        return partitions.filter { $0.name.hasPrefix("ROOT-") && $0.name.count > 5 }.map { root in
            let slot = root.name.dropFirst(5).lowercased()
            let mine = entries.filter { $0.slot == slot }
            let first = mine.first
            let entry = order.first { $0.slot == slot }
            return SlotReport(
                slot: slot, partition: root.name, populated: root.filesystem != nil, entries: mine.map(\.file),
                state: first?.state, triesLeft: first?.triesLeft, triesDone: first?.triesDone,
                version: entry?.osVersion, generation: entry?.generation, bootsNext: order.first?.slot == slot)
        }
    }
}
