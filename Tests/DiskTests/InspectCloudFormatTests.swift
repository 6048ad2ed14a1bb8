import Disk
import Foundation
import Inspect
import TestSupport
import Testing

/// `slipway inspect` of the cloud formats: VMDK and VHD read through a raw copy like qcow2, GCE's
/// archive refused with what to inspect instead.
struct InspectCloudFormatTests {
    @Test(arguments: ["vmdk", "vhd"])
    func readsTheFormatLikeTheRawImage(format: String) throws {
        let directory = try TemporaryDirectory()
        let disk = try DiskFixtures.assembled(in: directory)
        let path = directory.file("disk.\(format)")
        if format == "vmdk" {
            try VMDK.writeStreamOptimized(raw: disk.image, to: path, extentName: "disk.vmdk", seed: DiskFixtures.seed)
        } else {
            try VHD.writeFixed(raw: disk.image, to: path, seed: DiskFixtures.seed, sourceDateEpoch: DiskFixtures.epoch)
        }
        let raw = try Inspector.inspect(imageAt: disk.image)
        let before = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        let report = try Inspector.inspect(imageAt: path)
        #expect(report.image == path)
        #expect(report.size == raw.size)
        #expect(report.partitions == raw.partitions)
        #expect(report.slots == raw.slots)
        #expect(report.bootEntries == raw.bootEntries)
        #expect(report.warnings == raw.warnings)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == before)
    }

    @Test func gceArchiveIsRefusedWithWhatToInspect() throws {
        let directory = try TemporaryDirectory()
        let disk = try DiskFixtures.assembled(in: directory)
        let archive = directory.file("disk.tar.gz")
        try GCEImage.write(raw: disk.image, to: archive, sourceDateEpoch: 0)
        #expect {
            try Inspector.inspect(imageAt: archive)
        } throws: { error in
            "\(error)".contains("a gzip file (GCE's NAME.tar.gz?), not a disk image: inspect NAME.img")
        }
    }
}
