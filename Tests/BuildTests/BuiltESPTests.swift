import Build
import Foundation
import TestSupport
import Testing

/// The ESP of a real built image, cut out of the disk and read with dosfstools and mtools: a clean
/// FAT with exactly systemd-boot, loader.conf, slot A's kernel, initrd and counted entry, and an
/// empty slot B directory.
@Suite(.serialized) struct BuiltESPTests {
    /// `sfdisk --json` output, as far as the test reads it.
    struct SfdiskDump: Decodable {
        struct Table: Decodable {
            var partitions: [Partition]
        }
        struct Partition: Decodable {
            var start: UInt64
            var size: UInt64
            var uuid: String
            var name: String?
        }
        var partitiontable: Table
    }

    @Test func minimalImageESPHoldsExactlyTheBootFiles() throws {
        let dir = try TemporaryDirectory()
        let request = BuildRequest(
            profilePath: packageRoot().appendingPathComponent("profiles/minimal.yaml").path, outputDirectory: dir.path,
            cacheDirectory: BuildPipelineTests.cache, initrdExecutable: try Fixtures.initrdExecutable())
        let result = try Builder(request).build()
        let image = try #require(result.outputs["image"])

        let dump = try runTool(["sfdisk", "--json", image])
        #expect(dump.status == 0, "\(dump.stderr)")
        let table = try JSONDecoder().decode(SfdiskDump.self, from: Data(dump.stdout.utf8)).partitiontable
        let espEntry = try #require(table.partitions.first), rootA = try #require(table.partitions.dropFirst().first)
        #expect(espEntry.name == "ESP" && rootA.name == "ROOT-A")
        let esp = dir.file("esp.img")
        let cut = try runTool([
            "dd", "if=\(image)", "of=\(esp)", "bs=512", "skip=\(espEntry.start)", "count=\(espEntry.size)",
            "conv=sparse", "status=none",
        ])
        #expect(cut.status == 0, "\(cut.stderr)")

        let fsck = try runTool(["fsck.fat", "-n", esp])
        #expect(fsck.status == 0, "\(fsck.stdout)\(fsck.stderr)")

        // Every path on the volume, directories with a trailing "/", from mtools' recursive listing.
        let listing = try runTool(["mdir", "-i", esp, "-/", "-b", "::/"])
        #expect(listing.status == 0, "\(listing.stderr)")
        let paths = listing.stdout.split(separator: "\n").map { String($0) }.filter { !$0.isEmpty }.sorted()
        #expect(
            paths == [
                "::/EFI/", "::/EFI/BOOT/", "::/EFI/BOOT/BOOTX64.EFI", "::/EFI/systemd/",
                "::/EFI/systemd/systemd-bootx64.efi", "::/loader/", "::/loader/entries/",
                "::/loader/entries/slipway-a+3.conf", "::/loader/loader.conf", "::/slipway-a/",
                "::/slipway-a/initrd.img", "::/slipway-a/vmlinuz", "::/slipway-b/",
            ], "\(listing.stdout)")

        // Slot A's kernel and initrd are the build's outputs, byte for byte; both loader copies are systemd-boot.
        func extract(_ path: String) throws -> Data {
            let copy = dir.file("extracted")
            try? FileManager.default.removeItem(atPath: copy)
            let status = try runTool(["mcopy", "-i", esp, "::/\(path)", copy])
            #expect(status.status == 0, "\(path): \(status.stderr)")
            return try Data(contentsOf: URL(fileURLWithPath: copy))
        }
        let kernel = try #require(result.outputs["kernel"]), initrd = try #require(result.outputs["initrd"])
        #expect(try extract("slipway-a/vmlinuz") == Data(contentsOf: URL(fileURLWithPath: kernel)))
        #expect(try extract("slipway-a/initrd.img") == Data(contentsOf: URL(fileURLWithPath: initrd)))
        let bootloader = try extract("EFI/BOOT/BOOTX64.EFI")
        #expect(bootloader.prefix(2) == Data("MZ".utf8))
        #expect(try extract("EFI/systemd/systemd-bootx64.efi") == bootloader)

        let loaderConf = try runTool(["mtype", "-i", esp, "::/loader/loader.conf"])
        #expect(loaderConf.stdout == "default slipway-*\ntimeout 0\neditor no\nauto-entries no\nauto-firmware no\n")
        let entry = try runTool(["mtype", "-i", esp, "::/loader/entries/slipway-a+3.conf"]).stdout
        let lines = entry.split(separator: "\n").map(String.init)
        #expect(lines.contains("linux /slipway-a/vmlinuz"), "\(entry)")
        #expect(lines.contains("initrd /slipway-a/initrd.img"), "\(entry)")
        let options = try #require(lines.first { $0.hasPrefix("options ") }, "\(entry)")
        #expect(options.split(separator: " ").contains("slipway.root=PARTUUID=\(rootA.uuid.lowercased())"), "\(entry)")

        // Slot B's directory is there for the first update, and empty.
        let slotB = try runTool(["mdir", "-i", esp, "-b", "::/slipway-b"])
        #expect(slotB.status == 0 && slotB.stdout.isEmpty, "\(slotB.stdout)\(slotB.stderr)")
    }
}
