import Build
import Foundation
import TestSupport
import Testing

/// `slipway build` of profiles/minimal.yaml in each cloud format: the file holds the same disk as
/// NAME.img by an independent reader, a second build writes the same bytes, and the manifest's
/// digests are sha256sum's.
@Suite(.serialized) struct DiskFormatBuildTests {
    static let epoch: Int64 = 1_700_000_000

    private func build(format: String, into output: String) throws -> BuildResult {
        var request = BuildRequest(
            profilePath: packageRoot().appendingPathComponent("profiles/minimal.yaml").path, outputDirectory: output,
            cacheDirectory: BuildPipelineTests.cache, sourceDateEpoch: Self.epoch,
            initrdExecutable: try Fixtures.initrdExecutable())
        request.format = format
        return try Builder(request).build()
    }

    @Test(arguments: [("vmdk", "minimal.vmdk"), ("vhd", "minimal.vhd"), ("gce", "minimal.tar.gz")])
    func formatHoldsTheDiskAndRebuildsIdentically(format: String, fileName: String) throws {
        let first = try TemporaryDirectory(), second = try TemporaryDirectory()
        let result = try build(format: format, into: first.path)
        _ = try build(format: format, into: second.path)
        let raw = try #require(result.outputs["image"])
        let file = try #require(result.outputs[format])
        #expect(file == first.file(fileName))
        let rawSize = try #require(try FileManager.default.attributesOfItem(atPath: raw)[.size] as? Int)

        switch format {
        case "vmdk":
            let info = try qemuInfo(file, format: "vmdk")
            #expect(info["format"] as? String == "vmdk")
            let specific = (info["format-specific"] as? [String: Any])?["data"] as? [String: Any]
            #expect(specific?["create-type"] as? String == "streamOptimized")
            #expect(info["virtual-size"] as? Int == rawSize)
            try expectSameDisk(raw, file, format: "vmdk")
        case "vhd":
            let info = try qemuInfo(file, format: "vpc")
            #expect(info["format"] as? String == "vpc")
            #expect(info["virtual-size"] as? Int == rawSize)
            #expect(rawSize % (1 << 20) == 0)
            try expectSameDisk(raw, file, format: "vpc")
        default:
            let listing = try runTool(["tar", "-tvzf", file])
            let lines = listing.stdout.split(separator: "\n")
            #expect(lines.count == 1 && lines.first?.hasSuffix(" disk.raw") == true, "\(listing.stdout)")
            let extracted = first.file("extracted")
            try FileManager.default.createDirectory(atPath: extracted, withIntermediateDirectories: false)
            #expect(try runTool(["tar", "-xzf", file, "-C", extracted]).status == 0)
            let diskRaw = extracted + "/disk.raw"
            let size = try #require(try FileManager.default.attributesOfItem(atPath: diskRaw)[.size] as? Int)
            #expect(size % (1 << 30) == 0 && size >= rawSize && size - rawSize < 1 << 30)
            // qemu-img compare also checks that what the larger file has beyond the smaller is zeros.
            try expectSameDisk(raw, diskRaw, format: "raw")
            try FileManager.default.removeItem(atPath: extracted)
        }

        // Byte-identical across builds: the format's file, the disk and the manifest.
        for name in [fileName, "minimal.img", "minimal.manifest.json"] {
            let compare = try runTool(["cmp", first.file(name), second.file(name)])
            #expect(compare.status == 0, "\(name) differs: \(compare.stdout)")
        }
        // Every output in the manifest, with sha256sum's digest.
        let manifest =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: result.manifest))) as? [String: Any]
        let outputs = try #require(manifest?["outputs"] as? [String: [String: Any]])
        #expect(Set(outputs.keys).isSuperset(of: ["rootfs", "image", "kernel", "initrd", format]))
        for (role, record) in outputs {
            let name = try #require(record["file"] as? String)
            let sum = try runTool(["sha256sum", first.file(name)]).stdout.split(separator: " ").first.map(String.init)
            #expect(record["sha256"] as? String == sum, "\(role)")
        }
    }

    private func qemuInfo(_ path: String, format: String) throws -> [String: Any] {
        let result = try runTool(["qemu-img", "info", "--output=json", "-f", format, path])
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    private func expectSameDisk(_ raw: String, _ path: String, format: String) throws {
        let compare = try runTool(["qemu-img", "compare", "-f", "raw", "-F", format, raw, path])
        #expect(
            compare.status == 0 && compare.stdout.contains("Images are identical"), "\(compare.stdout)\(compare.stderr)"
        )
    }
}
