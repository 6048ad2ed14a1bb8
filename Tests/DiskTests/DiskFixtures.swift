// Shared fixtures: small filesystems made by the real tools, and a small assembled disk.
import Disk
import Foundation
import TestSupport

enum DiskFixtures {
    static let epoch: Int64 = 1_700_000_000
    static let seed = "test-profile-digest"
    static let mebibyte: UInt64 = 1 << 20

    /// Sizes small enough to keep the tests quick; the ESP is FAT16.
    static let smallSizes = DiskLayout.Sizes(esp: 16 << 20, root: 12 << 20, oem: 4 << 20, state: 8 << 20)

    /// An ext4 filesystem made by mkfs.ext4 in a file of `megabytes` MiB.
    static func ext4(in directory: TemporaryDirectory, name: String, label: String, uuid: String, megabytes: Int = 8)
        throws -> String
    {
        let path = directory.file(name)
        let result = try runTool(["mkfs.ext4", "-q", "-F", "-L", label, "-U", uuid, path, "\(megabytes)M"])
        guard result.status == 0 else { throw FixtureError(message: "mkfs.ext4: \(result.stderr)") }
        return path
    }

    /// What a slot-A image's ESP holds, with a stand-in for the boot loader.
    static func espFiles(in directory: TemporaryDirectory) throws -> [ESPFile] {
        let loader = directory.file("BOOTX64.EFI")
        try Data((0..<50_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }).write(to: URL(fileURLWithPath: loader))
        return [
            .file("EFI/BOOT/BOOTX64.EFI", from: loader),
            .text("loader/loader.conf", "timeout 0\ndefault slipway-*\n"),
            .text(
                "loader/entries/slipway-a+3.conf",
                "title Slipway (slot a)\nversion 1.0.0\nlinux /slipway/a/vmlinuz\ninitrd /slipway/a/initrd.img\n"
                    + "options root=PARTLABEL=ROOT-A ro console=ttyS0\n"),
            .text("slipway/a/vmlinuz", "kernel"),
            .text("slipway/a/initrd.img", "initrd"),
        ]
    }

    /// A disk with an ESP, an ext4 ROOT-A and an empty ROOT-B, OEM and STATE.
    struct Disk {
        var layout: DiskLayout
        var image: String
        var root: String
        var esp: String
    }

    static let rootUUID = "6f3c8a52-1d2e-4b7a-9c1f-2a3b4c5d6e7f"

    /// Assembles `name` in `directory`, making the ESP and root images there first if they are missing.
    static func assembled(in directory: TemporaryDirectory, name: String = "disk.img") throws -> Disk {
        let layout = try DiskLayout(sizes: smallSizes, seed: seed)
        let esp = directory.file("esp.img")
        if !FileManager.default.fileExists(atPath: esp) {
            try ESPBuilder.build(
                files: try espFiles(in: directory), size: layout[.esp]?.size ?? 0, volumeID: 0x5EED_0001,
                sourceDateEpoch: epoch, hiddenSectors: layout[.esp]?.firstLBA ?? 0, to: esp)
        }
        let root = directory.file("root.img")
        if !FileManager.default.fileExists(atPath: root) {
            _ = try ext4(in: directory, name: "root.img", label: "ROOT-A", uuid: rootUUID)
        }
        let image = directory.file(name)
        try DiskImage.assemble(layout: layout, partitionImages: [.esp: esp, .rootA: root], to: image)
        return Disk(layout: layout, image: image, root: root, esp: esp)
    }

    /// Runs python3 with `script` and returns its trimmed stdout.
    static func python(_ script: String, input: Data? = nil) throws -> String {
        let result = try runTool(["python3", "-c", script], input: input)
        guard result.status == 0 else { throw FixtureError(message: "python3: \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func bytes(of path: String, offset: UInt64, count: Int) throws -> [UInt8] {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: offset)
        return Array(try handle.read(upToCount: count) ?? Data())
    }

    static func overwrite(_ path: String, offset: UInt64, with bytes: [UInt8]) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: offset)
        try handle.write(contentsOf: Data(bytes))
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
