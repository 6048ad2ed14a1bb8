import Disk
import Foundation
import TestSupport
import Testing

struct ESPBuilderTests {
    /// 16 MiB is FAT16, 40 MiB FAT32: both pass fsck.fat, and blkid sees the label, volume ID and type.
    @Test(arguments: [(UInt64(16 << 20), "FAT16"), (UInt64(40 << 20), "FAT32")])
    func buildsACleanFilesystem(size: UInt64, version: String) throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("esp.img")
        try ESPBuilder.build(
            files: try DiskFixtures.espFiles(in: directory), size: size, volumeID: 0xC0FF_EE42,
            sourceDateEpoch: DiskFixtures.epoch, to: path)
        #expect(ESPBuilder.fatType(forSize: size).rawValue == Int(version.dropFirst(3)))

        let fsck = try runTool(["fsck.fat", "-n", path])
        #expect(fsck.status == 0, "\(fsck.stdout)\(fsck.stderr)")
        #expect(
            !fsck.stdout.contains("differ") && !fsck.stdout.contains("Free cluster summary wrong"), "\(fsck.stdout)")
        let blkid = try runTool(["blkid", "-p", "-o", "export", path]).stdout
        #expect(blkid.contains("TYPE=vfat\n") && blkid.contains("LABEL=ESP\n"), "\(blkid)")
        #expect(blkid.contains("UUID=C0FF-EE42\n") && blkid.contains("VERSION=\(version)\n"), "\(blkid)")
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? UInt64 == size)
    }

    /// The files are where they belong, byte for byte, read back by mtools and by our reader.
    @Test func containsTheFiles() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("esp.img")
        let files = try DiskFixtures.espFiles(in: directory) + [.directory("EFI/Linux")]
        try ESPBuilder.build(files: files, size: 16 << 20, volumeID: 1, sourceDateEpoch: DiskFixtures.epoch, to: path)

        let listing = try runTool(["mdir", "-i", path, "-/", "-b", "::/"], environment: ["MTOOLS_SKIP_CHECK": "1"])
        let expected = [
            "::/EFI/", "::/EFI/BOOT/", "::/EFI/BOOT/BOOTX64.EFI", "::/EFI/Linux/", "::/loader/", "::/loader/entries/",
            "::/loader/entries/slipway-a+3.conf", "::/loader/loader.conf", "::/slipway/", "::/slipway/a/",
            "::/slipway/a/initrd.img", "::/slipway/a/vmlinuz",
        ]
        #expect(listing.stdout.split(separator: "\n").map(String.init).sorted() == expected, "\(listing.stderr)")
        let loaderConf = try runTool(["mtype", "-i", path, "::/loader/loader.conf"]).stdout
        #expect(loaderConf == "timeout 0\ndefault slipway-*\n")
        let loader = try ESPReader.read(image: path, path: "EFI/BOOT/BOOTX64.EFI")
        #expect(loader == (0..<50_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        #expect(try ESPReader.list(image: path, directory: "loader/entries") == ["slipway-a+3.conf"])
        #expect(try ESPReader.list(image: path, directory: "EFI") == ["BOOT/", "Linux/"])
        #expect(try ESPReader.list(image: path, directory: "nowhere") == nil)
    }

    /// Every entry carries SOURCE_DATE_EPOCH (2023-11-14 22:13:20 UTC), not the build time.
    @Test func timestampsComeFromSourceDateEpoch() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("esp.img")
        try ESPBuilder.build(
            files: try DiskFixtures.espFiles(in: directory), size: 16 << 20, volumeID: 1,
            sourceDateEpoch: DiskFixtures.epoch, to: path)
        let listing = try runTool(
            ["mdir", "-i", path, "::/loader"], environment: ["MTOOLS_SKIP_CHECK": "1", "TZ": "UTC"])
        let dated = listing.stdout.split(separator: "\n").filter { $0.contains("2023-11-14  22:13") }
        #expect(dated.count == 4, "\(listing.stdout)")  // ., .., entries, loader.conf
    }

    /// The same files in any order, from host files with different times, give the same bytes.
    @Test func deterministic() throws {
        let directory = try TemporaryDirectory()
        let files = try DiskFixtures.espFiles(in: directory)
        try ESPBuilder.build(
            files: files, size: 40 << 20, volumeID: 7, sourceDateEpoch: DiskFixtures.epoch, to: directory.file("1.img"))
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSince1970: 1_000_000_000)], ofItemAtPath: directory.file("BOOTX64.EFI")
        )
        try ESPBuilder.build(
            files: files.reversed(), size: 40 << 20, volumeID: 7, sourceDateEpoch: DiskFixtures.epoch,
            to: directory.file("2.img"))
        let first = try Data(contentsOf: URL(fileURLWithPath: directory.file("1.img")))
        let second = try Data(contentsOf: URL(fileURLWithPath: directory.file("2.img")))
        #expect(first == second)
    }

    static let badPaths: [(files: [ESPFile], message: String)] = [
        ([.text("EFI/../x", "")], "ESP path \"EFI/../x\": component \"..\" would leave its directory"),
        ([.text("EFI//x", "")], "ESP path \"EFI//x\": component \"\" is empty (no \"//\" or trailing \"/\")"),
        ([.text("a:b", "")], "ESP path \"a:b\": component \"a:b\" contains \":\", which FAT does not allow"),
        ([.text("café", "")], "ESP path \"café\": component \"café\" must be printable ASCII"),
        (
            [.text("x.", "")],
            "ESP path \"x.\": component \"x.\" starts with a space or ends with a space or dot, which FAT would drop"
        ),
        ([.text("", "")], "ESP path \"\": the path is empty"),
        (
            [.text("a/B", ""), .text("A/b", "")],
            "ESP path \"A/b\": names the same FAT entry as \"a\" (FAT ignores case)"
        ),
        (
            [.text("x/y", ""), .text("X/Y", "")],
            "ESP path \"X/Y\": names the same FAT entry as \"x\" (FAT ignores case)"
        ),
        ([.text("a/b", ""), .text("a/b", "")], "ESP path \"a/b\": appears twice"),
        ([.text("a", ""), .text("a/b", "")], "ESP path \"a/b\": \"a\" is used both as a file and as a directory"),
    ]

    @Test(arguments: badPaths)
    func refusesBadPaths(files: [ESPFile], message: String) throws {
        let directory = try TemporaryDirectory()
        do {
            try ESPBuilder.build(files: files, size: 16 << 20, volumeID: 1, sourceDateEpoch: 0, to: directory.file("e"))
            Issue.record("accepted \(files.map(\.path))")
        } catch {
            #expect("\(error)" == message)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test func refusesAMissingHostFile() throws {
        let directory = try TemporaryDirectory()
        let missing = directory.file("missing.efi")
        #expect(
            throws: DiskError.io(
                operation: "read the source of ESP file EFI/BOOT/BOOTX64.EFI", path: missing, errno: ENOENT)
        ) {
            try ESPBuilder.build(
                files: [.file("EFI/BOOT/BOOTX64.EFI", from: missing)], size: 16 << 20, volumeID: 1, sourceDateEpoch: 0,
                to: directory.file("esp.img"))
        }
        #expect(!FileManager.default.fileExists(atPath: directory.file("esp.img")))
    }

    @Test(arguments: ["", "esp", "TWELVE_CHARS", "EFI SYSTEM"])
    func refusesBadLabels(label: String) throws {
        let directory = try TemporaryDirectory()
        #expect(throws: DiskError.invalidLabel(label: label, rule: "use 1 to 11 of A-Z, 0-9, _ and -")) {
            try ESPBuilder.build(
                files: [], size: 16 << 20, volumeID: 1, label: label, sourceDateEpoch: 0, to: directory.file("esp.img"))
        }
    }

    @Test func refusesADirectoryAsSource() throws {
        let directory = try TemporaryDirectory()
        #expect(
            throws: DiskError.invalidESPPath(path: "x.efi", rule: "its source \(directory.path) is not a regular file")
        ) {
            try ESPBuilder.build(
                files: [.file("x.efi", from: directory.path)], size: 16 << 20, volumeID: 1, sourceDateEpoch: 0,
                to: directory.file("esp.img"))
        }
    }

    /// Files larger than the ESP: a clear error naming the ESP, and no image left behind.
    @Test func reportsAFullESP() throws {
        let directory = try TemporaryDirectory()
        let big = directory.file("big")
        try Data(repeating: 0xA5, count: 20 << 20).write(to: URL(fileURLWithPath: big))
        let files: [ESPFile] = [.file("big.bin", from: big)]
        let estimate = try ESPBuilder.contentSize(of: files)
        #expect(estimate > 20 << 20)
        #expect(throws: DiskError.contentTooLarge(partition: "ESP", content: estimate, partitionSize: 16 << 20)) {
            try ESPBuilder.build(
                files: files, size: 16 << 20, volumeID: 1, sourceDateEpoch: 0, to: directory.file("esp.img"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["big"])
    }

    @Test func volumeIDFromSeed() {
        #expect(ESPBuilder.volumeID(seed: "a") == ESPBuilder.volumeID(seed: "a"))
        #expect(ESPBuilder.volumeID(seed: "a") != ESPBuilder.volumeID(seed: "b"))
    }
}
