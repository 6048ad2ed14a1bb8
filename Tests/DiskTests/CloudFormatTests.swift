// The cloud disk formats against independent readers: qemu-img for VMDK and VHD (info names the
// format and size, compare reads every byte back against the raw disk), GNU tar for GCE's archive.
import Disk
import Foundation
import TestSupport
import Testing

struct CloudFormatTests {
    /// `qemu-img info --output=json` of `path` read as `format`.
    private func info(_ path: String, format: String) throws -> [String: Any] {
        let result = try runTool(["qemu-img", "info", "--output=json", "-f", format, path])
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    /// Whether qemu-img reads `path` as `format` with the same bytes as the raw disk `raw`.
    private func sameDisk(_ raw: String, _ path: String, format: String) throws -> Bool {
        let compare = try runTool(["qemu-img", "compare", "-f", "raw", "-F", format, raw, path])
        #expect(compare.stdout.contains("Images are identical"), "\(compare.stdout)\(compare.stderr)")
        return compare.status == 0
    }

    @Test func vmdkIsStreamOptimizedAndHoldsTheDisk() throws {
        let directory = try TemporaryDirectory()
        let disk = try DiskFixtures.assembled(in: directory)
        let vmdk = directory.file("disk.vmdk")
        try VMDK.writeStreamOptimized(raw: disk.image, to: vmdk, extentName: "disk.vmdk", seed: DiskFixtures.seed)
        let json = try info(vmdk, format: "vmdk")
        #expect(json["format"] as? String == "vmdk")
        #expect(json["virtual-size"] as? Int == Int(disk.layout.size))
        let specific = (json["format-specific"] as? [String: Any])?["data"] as? [String: Any]
        #expect(specific?["create-type"] as? String == "streamOptimized")
        let extents = specific?["extents"] as? [[String: Any]]
        #expect(extents?.first?["compressed"] as? Bool == true)
        #expect(try sameDisk(disk.image, vmdk, format: "vmdk"))
        // qemu-img check walks the grain tables and directory.
        let check = try runTool(["qemu-img", "check", "-f", "vmdk", vmdk])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        // Only grains with data are stored: far smaller than the disk.
        let stored = try FileManager.default.attributesOfItem(atPath: vmdk)[.size] as? Int ?? 0
        #expect(stored < Int(disk.layout.size) / 4)
    }

    @Test func vmdkDataPastTheFirstGrainTableAndInTheLastGrain() throws {
        // 40 MiB: two grain tables; data in the second table's range and in the disk's last sector.
        let directory = try TemporaryDirectory()
        let raw = directory.file("raw.img")
        FileManager.default.createFile(atPath: raw, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: raw))
        try handle.truncate(atOffset: 40 << 20)
        try handle.close()
        try DiskFixtures.overwrite(raw, offset: 35 << 20 | 4096, with: Array(repeating: 0xA5, count: 70_000))
        try DiskFixtures.overwrite(raw, offset: (40 << 20) - 512, with: Array("last sector".utf8))
        let vmdk = directory.file("raw.vmdk")
        try VMDK.writeStreamOptimized(raw: raw, to: vmdk, extentName: "raw.vmdk", seed: "s")
        #expect(try sameDisk(raw, vmdk, format: "vmdk"))
    }

    @Test func vhdIsFixedWithTheRawSizeAndAValidFooter() throws {
        let directory = try TemporaryDirectory()
        let disk = try DiskFixtures.assembled(in: directory)
        let vhd = directory.file("disk.vhd")
        try VHD.writeFixed(raw: disk.image, to: vhd, seed: DiskFixtures.seed, sourceDateEpoch: DiskFixtures.epoch)
        let json = try info(vhd, format: "vpc")
        #expect(json["format"] as? String == "vpc")
        #expect(json["virtual-size"] as? Int == Int(disk.layout.size))
        #expect(disk.layout.size % (1 << 20) == 0)
        let size = try FileManager.default.attributesOfItem(atPath: vhd)[.size] as? UInt64
        #expect(size == disk.layout.size + 512)
        #expect(try sameDisk(disk.image, vhd, format: "vpc"))
        // The footer: cookie, fixed type, the time stamp from the epoch (seconds since 2000).
        let footer = try DiskFixtures.bytes(of: vhd, offset: disk.layout.size, count: 512)
        #expect(Array(footer[0..<8]) == Array("conectix".utf8))
        #expect(Array(footer[60..<64]) == [0, 0, 0, 2])
        let stamp = footer[24..<28].reduce(Int64(0)) { $0 << 8 | Int64($1) }
        #expect(stamp == DiskFixtures.epoch - 946_684_800)
        // A checksum qemu did not refuse, and one that changes when a byte does.
        let corrupt = directory.file("corrupt.vhd")
        try FileManager.default.copyItem(atPath: vhd, toPath: corrupt)
        try DiskFixtures.overwrite(corrupt, offset: disk.layout.size + 40, with: [0xFF])
        #expect(try runTool(["qemu-img", "info", "-f", "vpc", corrupt]).status != 0)
    }

    @Test func vhdRefusesASizeThatIsNotWholeMebibytes() throws {
        let directory = try TemporaryDirectory()
        let raw = directory.file("odd.img")
        try Data(repeating: 1, count: 3 << 19).write(to: URL(fileURLWithPath: raw))
        let vhd = directory.file("odd.vhd")
        #expect(
            throws: DiskError.unsupportedByFormat(
                format: "a fixed VHD", path: raw,
                rule: "its size, 1536 KiB, must be a whole number of MiB (Azure's rule)")
        ) {
            try VHD.writeFixed(raw: raw, to: vhd, seed: "s", sourceDateEpoch: 0)
        }
        #expect(!FileManager.default.fileExists(atPath: vhd))
    }

    @Test func gceTarHoldsOneSparseDiskRawOfWholeGibibytes() throws {
        let directory = try TemporaryDirectory()
        let disk = try DiskFixtures.assembled(in: directory)
        let archive = directory.file("disk.tar.gz")
        try GCEImage.write(raw: disk.image, to: archive, sourceDateEpoch: DiskFixtures.epoch)
        // GNU tar lists one member, disk.raw, of 1 GiB, dated at the epoch.
        let listing = try runTool(["tar", "--utc", "-tvzf", archive], environment: ["TZ": "UTC"])
        #expect(listing.status == 0, "\(listing.stderr)")
        let lines = listing.stdout.split(separator: "\n")
        #expect(lines.count == 1)
        let fields = lines.first?.split(separator: " ", omittingEmptySubsequences: true).map(String.init) ?? []
        #expect(fields.last == "disk.raw")
        #expect(fields.count > 2 && fields[2] == "\(1 << 30)")
        #expect(listing.stdout.contains("2023-11-14 22:13"))
        // The format is old GNU (gzip's first bytes, then the tar header's magic).
        let header = try runTool([
            "sh", "-c", "gzip -dc '\(archive)' | head -c 512 | tail -c +258 | head -c 8 | od -An -c",
        ])
        #expect(header.stdout.replacingOccurrences(of: " ", with: "") == "ustar\\0\n")
        // Extracted, disk.raw is the raw disk followed by zeros (qemu-img compare checks the rest is zero).
        let extracted = directory.file("extracted")
        try FileManager.default.createDirectory(atPath: extracted, withIntermediateDirectories: false)
        let untar = try runTool(["tar", "-xzf", archive, "-C", extracted])
        #expect(untar.status == 0, "\(untar.stderr)")
        let diskRaw = extracted + "/disk.raw"
        #expect(try FileManager.default.attributesOfItem(atPath: diskRaw)[.size] as? Int == 1 << 30)
        let compare = try runTool(["qemu-img", "compare", "-f", "raw", "-F", "raw", disk.image, diskRaw])
        #expect(compare.status == 0, "\(compare.stdout)\(compare.stderr)")
        let cmp = try runTool(["cmp", "-n", "\(disk.layout.size)", disk.image, diskRaw])
        #expect(cmp.status == 0, "\(cmp.stdout)")
    }

    @Test func gceSparseMapWithManyRegionsAndAWholeGibibyteDisk() throws {
        // Thirty separate data regions: the map goes on in extension blocks. A disk of exactly 1 GiB
        // is not padded.
        let directory = try TemporaryDirectory()
        let raw = directory.file("raw.img")
        FileManager.default.createFile(atPath: raw, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: raw))
        try handle.truncate(atOffset: 1 << 30)
        try handle.close()
        for index in 0..<30 {
            try DiskFixtures.overwrite(
                raw, offset: UInt64(index) * (33 << 20) + 8192, with: Array(repeating: UInt8(index + 1), count: 5000))
        }
        let archive = directory.file("raw.tar.gz")
        try GCEImage.write(raw: raw, to: archive, sourceDateEpoch: 0)
        let extracted = directory.file("out")
        try FileManager.default.createDirectory(atPath: extracted, withIntermediateDirectories: false)
        #expect(try runTool(["tar", "-xzf", archive, "-C", extracted]).status == 0)
        #expect(try FileManager.default.attributesOfItem(atPath: extracted + "/disk.raw")[.size] as? Int == 1 << 30)
        let compare = try runTool(["qemu-img", "compare", "-f", "raw", "-F", "raw", raw, extracted + "/disk.raw"])
        #expect(compare.status == 0, "\(compare.stdout)\(compare.stderr)")
    }

    @Test func gceSizesPastOctalFieldsAreWrittenInBase256() throws {
        // 9 GiB: past the 8 GiB that a tar header's 11 octal digits hold, for the real size and the
        // map's offsets; GNU tar reads base-256 numbers back.
        let directory = try TemporaryDirectory()
        let raw = directory.file("big.img")
        FileManager.default.createFile(atPath: raw, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: raw))
        try handle.truncate(atOffset: 9 << 30)
        try handle.close()
        try DiskFixtures.overwrite(raw, offset: 4096, with: Array(repeating: 0x11, count: 4096))
        try DiskFixtures.overwrite(raw, offset: (9 << 30) - 8192, with: Array(repeating: 0x22, count: 8192))
        let archive = directory.file("big.tar.gz")
        try GCEImage.write(raw: raw, to: archive, sourceDateEpoch: 0)
        let listing = try runTool(["tar", "-tvzf", archive])
        #expect(listing.stdout.contains(" \(9 << 30) "), "\(listing.stdout)\(listing.stderr)")
        let extracted = directory.file("out")
        try FileManager.default.createDirectory(atPath: extracted, withIntermediateDirectories: false)
        #expect(try runTool(["tar", "-xzf", archive, "-C", extracted]).status == 0)
        let compare = try runTool(["qemu-img", "compare", "-f", "raw", "-F", "raw", raw, extracted + "/disk.raw"])
        #expect(compare.status == 0, "\(compare.stdout)\(compare.stderr)")
        #expect(try FileManager.default.attributesOfItem(atPath: extracted + "/disk.raw")[.size] as? Int == 9 << 30)
    }

    @Test func everyFormatIsByteIdenticalWhenWrittenAgain() throws {
        let directory = try TemporaryDirectory()
        let disk = try DiskFixtures.assembled(in: directory)
        for round in ["a", "b"] {
            try VMDK.writeStreamOptimized(
                raw: disk.image, to: directory.file("\(round).vmdk"), extentName: "disk.vmdk", seed: DiskFixtures.seed)
            try VHD.writeFixed(
                raw: disk.image, to: directory.file("\(round).vhd"), seed: DiskFixtures.seed,
                sourceDateEpoch: DiskFixtures.epoch)
            try GCEImage.write(
                raw: disk.image, to: directory.file("\(round).tar.gz"), sourceDateEpoch: DiskFixtures.epoch)
        }
        for suffix in ["vmdk", "vhd", "tar.gz"] {
            #expect(try runTool(["cmp", directory.file("a.\(suffix)"), directory.file("b.\(suffix)")]).status == 0)
        }
        // Another seed gives another VHD id and VMDK CID.
        try VHD.writeFixed(
            raw: disk.image, to: directory.file("c.vhd"), seed: "other", sourceDateEpoch: DiskFixtures.epoch)
        #expect(try runTool(["cmp", "-s", directory.file("a.vhd"), directory.file("c.vhd")]).status == 1)
    }
}
