import Disk
import Foundation
import TestSupport
import Testing

@testable import Inspect

struct InspectTests {
    /// Each partition's filesystem, label and UUID as libblkid reports them match `blkid -p -O offset`.
    @Test func filesystemsMatchBlkid() throws {
        let directory = try TemporaryDirectory()
        let disk = try DiskFixtures.assembled(in: directory)
        let report = try Inspector.inspect(imageAt: disk.image)
        #expect(report.warnings.isEmpty, "\(report.warnings)")
        #expect(report.diskGUID == disk.layout.diskGUID)
        #expect(report.partitions.map(\.name) == ["ESP", "ROOT-A", "ROOT-B", "OEM", "STATE"])
        #expect(report.partitions.map(\.guid) == disk.layout.partitions.map(\.guid))
        for partition in report.partitions {
            let blkid = try runTool(["blkid", "-p", "-O", "\(partition.offset)", "-o", "export", disk.image])
            let values = Dictionary(
                blkid.stdout.split(separator: "\n").compactMap { line -> (String, String)? in
                    guard let equals = line.firstIndex(of: "=") else { return nil }
                    return (String(line[..<equals]), String(line[line.index(after: equals)...]))
                }, uniquingKeysWith: { first, _ in first })
            #expect(partition.filesystem?.type == values["TYPE"], "partition \(partition.number)")
            #expect(partition.filesystem?.label == values["LABEL"], "partition \(partition.number)")
            #expect(partition.filesystem?.uuid == values["UUID"], "partition \(partition.number)")
        }
        let root = try #require(report.partitions.first { $0.name == "ROOT-A" })
        #expect(
            root.filesystem
                == FilesystemInfo(type: "ext4", label: "ROOT-A", uuid: DiskFixtures.rootUUID, version: "1.0"))
        #expect(report.partitions.first { $0.name == "ESP" }?.filesystem?.uuid == "5EED-0001")
        #expect(report.partitions.first { $0.name == "ROOT-B" }?.filesystem == nil)
    }

    /// Slots and loader entries come from the ESP: slot a has "slipway-a+3.conf", slot b nothing.
    @Test func slotsAndBootEntries() throws {
        let directory = try TemporaryDirectory()
        let disk = try DiskFixtures.assembled(in: directory)
        let report = try Inspector.inspect(imageAt: disk.image)
        #expect(
            report.slots == [
                SlotReport(
                    slot: "a", partition: "ROOT-A", populated: true, entries: ["slipway-a+3.conf"],
                    state: .indeterminate,
                    // The fixture's entry names no slipway.version, and its "version" is no generation.
                    triesLeft: 3, triesDone: 0, version: nil, generation: 0, bootsNext: true),
                SlotReport(
                    slot: "b", partition: "ROOT-B", populated: false, entries: [], state: nil, triesLeft: nil,
                    triesDone: nil, version: nil, generation: nil, bootsNext: false),
            ])
        #expect(
            report.bootEntries == [
                BootEntryReport(
                    file: "slipway-a+3.conf", id: "slipway-a", slot: "a", state: .indeterminate, triesLeft: 3,
                    triesDone: 0,
                    title: "Slipway (slot a)", version: "1.0.0", sortKey: nil, linux: "/slipway/a/vmlinuz",
                    initrd: ["/slipway/a/initrd.img"], options: "root=PARTLABEL=ROOT-A ro console=ttyS0")
            ])
        #expect(report.manifest == nil)
    }

    /// The manifest beside the image is summarized; the JSON form has every key, sorted.
    @Test func manifestAndJSON() throws {
        let directory = try TemporaryDirectory()
        let disk = try DiskFixtures.assembled(in: directory)
        let manifest = """
            {"tool": "slipway 0.1.0", "profile": {"name": "minimal", "path": "profiles/minimal.yaml", "digest": "ab12"},
             "sourceDateEpoch": 1700000000, "layers": [{}, {}], "packages": [{}],
             "outputs": {"image": {"file": "disk.img", "size": 1, "sha256": "cd34"}}}
            """
        try Data(manifest.utf8).write(to: URL(fileURLWithPath: directory.file("disk.manifest.json")))
        let report = try Inspector.inspect(imageAt: disk.image)
        let summary = try #require(report.manifest)
        #expect(summary.profile == "minimal" && summary.profileDigest == "ab12" && summary.tool == "slipway 0.1.0")
        #expect(summary.sourceDateEpoch == 1_700_000_000 && summary.layers == 2 && summary.packages == 1)
        #expect(summary.outputs == ["image": ManifestOutput(file: "disk.img", sha256: "cd34")])

        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(report.jsonText().utf8)) as? [String: Any])
        #expect(
            json.keys.sorted() == [
                "bootEntries", "diskGUID", "image", "manifest", "partitions", "sectorSize", "size", "slots", "warnings",
            ])
        let partitions = try #require(json["partitions"] as? [[String: Any]])
        #expect(
            partitions[2].keys.sorted() == [
                "attributes", "filesystem", "firstLBA", "guid", "lastLBA", "name", "number", "offset", "size", "type",
                "typeName",
            ])
        #expect(partitions[2]["filesystem"] is NSNull)
        #expect(partitions[1]["guid"] as? String == disk.layout[.rootA]?.guid.description)
        let slots = try #require(json["slots"] as? [[String: Any]])
        #expect(
            slots[1].keys.sorted() == [
                "bootsNext", "entries", "generation", "partition", "populated", "slot", "state", "triesDone",
                "triesLeft", "version",
            ])
        // Keys appear sorted in the text itself, not only after parsing.
        let text = report.jsonText()
        let order = ["\"bootEntries\"", "\"diskGUID\"", "\"image\"", "\"manifest\"", "\"partitions\""].compactMap {
            text.range(of: $0)?.lowerBound
        }
        #expect(order.count == 5 && order == order.sorted())
    }

    /// The human form: aligned columns, one line per partition.
    @Test func textReport() throws {
        let directory = try TemporaryDirectory()
        let disk = try DiskFixtures.assembled(in: directory)
        let text = try Inspector.inspect(imageAt: disk.image).text()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let header = try #require(lines.first { $0.hasPrefix("#  NAME") })
        let rootLine = try #require(lines.first { $0.hasPrefix("2  ROOT-A") })
        let column = try #require(header.range(of: "PARTUUID")).lowerBound.utf16Offset(in: header)
        #expect(rootLine.dropFirst(column).hasPrefix(disk.layout[.rootA]?.guid.description ?? "?"), "\(text)")
        #expect(rootLine.contains("ext4 1.0") && rootLine.contains(DiskFixtures.rootUUID), "\(text)")
        #expect(
            lines.contains { $0.hasPrefix("  a     ROOT-A") && $0.contains("slipway-a+3.conf  indeterminate") },
            "\(text)")
        #expect(lines.contains("  none beside the image"))
    }

    /// A damaged primary GPT stops inspect with the reader's message.
    @Test func damagedTableIsReported() throws {
        let directory = try TemporaryDirectory()
        let disk = try DiskFixtures.assembled(in: directory)
        try DiskFixtures.overwrite(disk.image, offset: 512 + 40, with: [0x77])
        do {
            _ = try Inspector.inspect(imageAt: disk.image)
            Issue.record("a damaged GPT was accepted")
        } catch {
            #expect("\(error)".hasPrefix("\(disk.image): GPT: primary header at LBA 1: header CRC32 is"), "\(error)")
        }
    }

    @Test func readsQcow2LikeTheRawImage() throws {
        let directory = try TemporaryDirectory()
        let disk = try DiskFixtures.assembled(in: directory)
        let qcow2 = directory.file("disk.qcow2")
        try DiskImage.convertToQCOW2(raw: disk.image, to: qcow2)
        let raw = try Inspector.inspect(imageAt: disk.image)
        let before = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        let report = try Inspector.inspect(imageAt: qcow2)
        #expect(report.image == qcow2)
        #expect(report.partitions == raw.partitions)
        #expect(report.slots == raw.slots)
        #expect(report.bootEntries == raw.bootEntries)
        #expect(report.warnings == raw.warnings)
        // No scratch copy is left beside the image.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == before)
    }

    @Test func aDamagedQcow2NamesQemuImgsComplaint() throws {
        let directory = try TemporaryDirectory()
        let qcow2 = directory.file("broken.qcow2")
        _ = FileManager.default.createFile(
            atPath: qcow2, contents: Data([0x51, 0x46, 0x49, 0xFB] + [UInt8](repeating: 0xEE, count: 4092)))
        #expect {
            try Inspector.inspect(imageAt: qcow2)
        } throws: { error in
            "\(error)".contains("qemu-img") && "\(error)".contains("broken.qcow2")
        }
    }
}
