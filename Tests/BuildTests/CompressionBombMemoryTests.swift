import Foundation
import TestSupport
import Testing

/// `slipway build --rootfs-only` of a profile whose one layer is a gibibyte of zeros in a few
/// megabytes of gzip, zstd or xz, run as a user runs it under GNU time: its peak memory stays
/// bounded, and the image holds the gibibyte file as holes that e2fsck and debugfs read back.
@Suite struct CompressionBombMemoryTests {
    /// The most resident memory the whole build may reach. Reading streams the layer through
    /// libarchive's buffers and the content store, so the bound does not grow with the layer.
    static let peakLimitKiB = 256 << 10

    @Test(arguments: [Compression.gzip, .zstd, .xz])
    func aGibibyteBombBuildsInBoundedMemory(compression: Compression) throws {
        let directory = try TemporaryDirectory("bomb-build")
        let bomb = try writeZeroBomb(
            [("zeros", 1 << 30)], to: directory.file("bomb.tar"), compression: compression)
        let profile = directory.file("bomb.yaml")
        try "name: bomb\nroot:\n  layers:\n    - tar: \(URL(fileURLWithPath: bomb).lastPathComponent)\n".write(
            toFile: profile, atomically: true, encoding: .utf8)
        let peakFile = directory.file("peak")
        let built = try runTool([
            "/usr/bin/time", "-f", "%M", "-o", peakFile, try Fixtures.slipwayExecutable(), "build", profile,
            "--rootfs-only", "-q", "--output", directory.file("out"), "--cache", directory.file("cache"),
            "--source-date-epoch", "1700000000",
        ])
        #expect(built.status == 0, "\(built.stderr)")
        let peak = try #require(
            Int(try String(contentsOfFile: peakFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(peak < Self.peakLimitKiB, "peak RSS \(peak) KiB")

        let image = directory.file("out/bomb.rootfs.ext4")
        let fsck = try runTool(["e2fsck", "-fn", image])
        #expect(fsck.status == 0, "e2fsck -fn: \(fsck.stdout)\(fsck.stderr)")
        let zeros = try #require(try Debugfs(image: image).stat(["/zeros"])["/zeros"])
        #expect(zeros.type == "regular" && zeros.size == 1 << 30)
        #expect(zeros.blockCount == 0, "all zeros: holes in the image, \(zeros.blockCount) sectors")
    }
}
