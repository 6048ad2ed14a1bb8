import Disk
import Foundation
import TestSupport
import Testing

struct DiskImageTests {
    /// sfdisk and sgdisk find nothing wrong with an assembled disk, and our reader gets back the layout.
    @Test func independentToolsVerifyTheDisk() throws {
        let directory = try TemporaryDirectory()
        let disk = try DiskFixtures.assembled(in: directory)
        let sfdisk = try runTool(["sfdisk", "--verify", disk.image])
        #expect(sfdisk.status == 0 && sfdisk.stderr.isEmpty, "\(sfdisk.stdout)\(sfdisk.stderr)")
        let sgdisk = try runTool(["sgdisk", "-v", disk.image])
        #expect(sgdisk.stdout.contains("No problems found"), "\(sgdisk.stdout)")
        #expect(!sgdisk.stdout.contains("Caution") && !sgdisk.stdout.contains("Warning"), "\(sgdisk.stdout)")
        #expect(try GPT.read(imageAt: disk.image) == disk.layout.table)
    }

    /// Without OEM, entry 4 stays unused and STATE is still partition 5; the tools accept the gap.
    @Test func withoutOEM() throws {
        let directory = try TemporaryDirectory()
        let layout = try DiskLayout(sizes: DiskLayout.Sizes(esp: 16 << 20, root: 4 << 20, state: 4 << 20), seed: "s")
        let image = directory.file("disk.img")
        try DiskImage.assemble(layout: layout, partitionImages: [:], to: image)
        #expect(try runTool(["sfdisk", "--verify", image]).status == 0)
        #expect(try runTool(["sgdisk", "-v", image]).stdout.contains("No problems found"))
        let list = try runTool(["sfdisk", "--dump", image]).stdout
        #expect(
            list.contains(
                "\(image)5 : start=       51200, size=        8192, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4"))
        #expect(!list.contains("\(image)4 :"), "\(list)")
        #expect(try GPT.read(imageAt: image).partitions.map(\.number) == [1, 2, 3, 5])
    }

    /// sfdisk's JSON dump shows exactly the names, types, GUIDs and positions of the layout.
    @Test func sfdiskSeesWhatWeWrote() throws {
        let directory = try TemporaryDirectory()
        let disk = try DiskFixtures.assembled(in: directory)
        let output = try runTool(["sfdisk", "--json", disk.image])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        let table = try #require(json["partitiontable"] as? [String: Any])
        #expect(table["label"] as? String == "gpt")
        #expect(table["id"] as? String == disk.layout.diskGUID.uppercased)
        #expect(table["sectorsize"] as? Int == 512)
        #expect(table["firstlba"] as? Int == 34)
        #expect(table["lastlba"] as? Int == Int(disk.layout.size / 512) - 34)
        let partitions = try #require(table["partitions"] as? [[String: Any]])
        let seen = partitions.map { partition in
            [
                (partition["node"] as? String).map { String($0.dropFirst(disk.image.count)) } ?? "?",
                partition["name"] as? String ?? "?", partition["type"] as? String ?? "?",
                partition["uuid"] as? String ?? "?", "\(partition["start"] as? Int ?? -1)",
                "\(partition["size"] as? Int ?? -1)",
            ]
        }
        let expected = disk.layout.partitions.map { partition in
            [
                "\(partition.number)", partition.name, partition.type.uppercased, partition.guid.uppercased,
                "\(partition.firstLBA)", "\(partition.size / 512)",
            ]
        }
        #expect(seen == expected)
        #expect(expected.map { $0[1] } == ["ESP", "ROOT-A", "ROOT-B", "OEM", "STATE"])
    }

    /// The partition contents land at their offsets: blkid finds the ext4 and FAT filesystems there.
    @Test func partitionsHoldTheirImages() throws {
        let directory = try TemporaryDirectory()
        let disk = try DiskFixtures.assembled(in: directory)
        let rootOffset = try #require(disk.layout[.rootA]?.offset)
        let blkid = try runTool(["blkid", "-p", "-O", "\(rootOffset)", "-o", "export", disk.image]).stdout
        #expect(blkid.contains("TYPE=ext4\n") && blkid.contains("UUID=\(DiskFixtures.rootUUID)\n"), "\(blkid)")
        let espOffset = try #require(disk.layout[.esp]?.offset)
        let esp = try runTool(["blkid", "-p", "-O", "\(espOffset)", "-o", "export", disk.image]).stdout
        #expect(esp.contains("TYPE=vfat\n") && esp.contains("LABEL=ESP\n"), "\(esp)")
        let espCheck = try runTool(["fsck.fat", "-vn", disk.esp])
        #expect(espCheck.status == 0 && espCheck.stdout.contains("2048 hidden sectors"), "\(espCheck.stdout)")
        let fsck = try runTool(["e2fsck", "-fn", disk.root])
        #expect(fsck.status == 0, "\(fsck.stdout)")
    }

    /// The image is sparse: the empty partitions and the zero blocks of the filesystems take no space.
    @Test func staysSparse() throws {
        let directory = try TemporaryDirectory()
        let disk = try DiskFixtures.assembled(in: directory)
        var info = stat()
        #expect(stat(disk.image, &info) == 0)
        #expect(UInt64(info.st_size) == disk.layout.size)
        let allocated = UInt64(info.st_blocks) * 512
        #expect(allocated < 3 << 20, "allocated \(allocated) of \(disk.layout.size)")
    }

    /// Two assemblies of the same inputs are byte-identical.
    @Test func deterministic() throws {
        let directory = try TemporaryDirectory()
        let first = try DiskFixtures.assembled(in: directory, name: "1.img")
        let second = try DiskFixtures.assembled(in: directory, name: "2.img")
        let compare = try runTool(["cmp", first.image, second.image])
        #expect(compare.status == 0, "\(compare.stdout)")
    }

    /// A partition image larger than its partition is refused before the disk file is created.
    @Test func refusesAnImageThatDoesNotFit() throws {
        let directory = try TemporaryDirectory()
        let layout = try DiskLayout(sizes: DiskFixtures.smallSizes, seed: DiskFixtures.seed)
        let big = try DiskFixtures.ext4(
            in: directory, name: "big.img", label: "ROOT-A", uuid: DiskFixtures.rootUUID,
            megabytes: 13)
        let target = directory.file("disk.img")
        #expect(throws: DiskError.contentTooLarge(partition: "ROOT-A", content: 13 << 20, partitionSize: 12 << 20)) {
            try DiskImage.assemble(layout: layout, partitionImages: [.rootA: big], to: target)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["big.img"])
    }

    @Test func refusesAnImageForAMissingPartition() throws {
        let directory = try TemporaryDirectory()
        let layout = try DiskLayout(sizes: DiskLayout.Sizes(esp: 16 << 20, root: 4 << 20, state: 4 << 20), seed: "s")
        let image = try DiskFixtures.ext4(
            in: directory, name: "oem.img", label: "OEM", uuid: DiskFixtures.rootUUID, megabytes: 2)
        #expect(
            throws: DiskError.invalidTable(reason: "an image was given for OEM but the layout has no such partition")
        ) {
            try DiskImage.assemble(layout: layout, partitionImages: [.oem: image], to: directory.file("disk.img"))
        }
    }

    /// A failed assembly leaves an existing image untouched.
    @Test func failureKeepsThePreviousImage() throws {
        let directory = try TemporaryDirectory()
        let disk = try DiskFixtures.assembled(in: directory)
        let before = try Data(contentsOf: URL(fileURLWithPath: disk.image))
        let missing = directory.file("missing.img")
        #expect(throws: DiskError.io(operation: "open", path: missing, errno: ENOENT)) {
            try DiskImage.assemble(layout: disk.layout, partitionImages: [.rootB: missing], to: disk.image)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: disk.image)) == before)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix(".") }.isEmpty)
    }

    @Test func qcow2Conversion() throws {
        let directory = try TemporaryDirectory()
        let disk = try DiskFixtures.assembled(in: directory)
        let qcow2 = directory.file("disk.qcow2")
        try DiskImage.convertToQCOW2(raw: disk.image, to: qcow2)
        let info = try runTool(["qemu-img", "info", "--output=json", qcow2])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])
        #expect(json["format"] as? String == "qcow2")
        #expect(json["virtual-size"] as? Int == Int(disk.layout.size))
        let compare = try runTool(["qemu-img", "compare", "-f", "raw", "-F", "qcow2", disk.image, qcow2])
        #expect(compare.status == 0, "\(compare.stdout)\(compare.stderr)")
        let again = directory.file("again.qcow2")
        try DiskImage.convertToQCOW2(raw: disk.image, to: again)
        #expect(try runTool(["cmp", qcow2, again]).status == 0)
    }
}
