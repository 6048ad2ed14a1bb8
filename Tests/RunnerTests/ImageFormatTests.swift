import Foundation
import TestSupport
import Testing

@testable import Runner

/// The disk formats `slipway run` tells QEMU about: VMDK and VHD by their magic numbers, their disk
/// size as qemu-img reads it, and the files it refuses with what to boot instead.
@Suite struct ImageFormatTests {
    /// qemu-img's own VMDK (monolithicSparse: "KDMV" first) and VHDs, dynamic ("conectix" first and
    /// last) and fixed ("conectix" only in the footer, as `slipway build --format vhd` writes them).
    @Test(arguments: [
        (["-f", "vmdk"], ImageFormat.vmdk), (["-f", "vpc"], ImageFormat.vpc),
        (["-f", "vpc", "-o", "subformat=fixed,force_size=on"], ImageFormat.vpc),
    ])
    func detectsAndSizesTheFormat(options: [String], expected: ImageFormat) throws {
        let scratch = try TemporaryDirectory()
        let image = scratch.file("disk")
        let created = try runTool(["qemu-img", "create", "-q"] + options + [image, "64M"])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(try ImageFormat.detect(path: image) == expected)
        let info = try runTool(["qemu-img", "info", "--output=json", "-f", expected.rawValue, image])
        let json = try #require(JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])
        #expect(try expected.virtualSize(path: image) == json["virtual-size"] as? UInt64)
        // The throwaway overlay is backed by the image in its own format.
        let directory = try RunDirectory()
        defer { directory.remove() }
        let disk = try directory.disk(for: DiskAttachment(path: image), qemuImg: "qemu-img")
        let overlay = try runTool(["qemu-img", "info", "--output=json", disk.path])
        let overlayJSON = try #require(
            JSONSerialization.jsonObject(with: Data(overlay.stdout.utf8)) as? [String: Any])
        #expect(overlayJSON["backing-filename-format"] as? String == expected.rawValue)
    }

    @Test func gzipIsRefusedWithWhatToBoot() throws {
        let scratch = try TemporaryDirectory()
        let archive = scratch.file("minimal.tar.gz")
        FileManager.default.createFile(
            atPath: archive, contents: Data([0x1F, 0x8B, 8, 0] + [UInt8](repeating: 0, count: 60)))
        #expect {
            try ImageFormat.detect(path: archive)
        } throws: { error in
            "\(error)".contains("a gzip file (GCE's NAME.tar.gz?) is no disk QEMU can boot; give NAME.img")
        }
    }

    @Test func persistRefusesAVMDK() throws {
        let scratch = try TemporaryDirectory()
        let image = scratch.file("disk.vmdk")
        try runTool(["qemu-img", "create", "-q", "-f", "vmdk", image, "16M"])
        let directory = try RunDirectory()
        defer { directory.remove() }
        #expect {
            try directory.disk(for: DiskAttachment(path: image, persist: true), qemuImg: "qemu-img")
        } throws: { error in
            "\(error)".contains("--persist writes into the image, and a streamOptimized VMDK cannot be rewritten")
        }
    }
}
