import Foundation
import TestSupport
import Testing

/// -q/--quiet prints nothing on success; without it a build lists its outputs.
@Suite struct QuietTests {
    @Test func aQuietBuildPrintsNothing() throws {
        let directory = try TemporaryDirectory()
        try Data(oneFileProfile.utf8).write(to: URL(fileURLWithPath: directory.file("tiny.yaml")))
        for flag in ["-q", "--quiet"] {
            let result = try slipway(["build", "tiny.yaml", "--rootfs-only", flag, "-o", "out"], in: directory.path)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.isEmpty && result.stderr.isEmpty, "\(result.stdout)\(result.stderr)")
        }
        let loud = try slipway(["build", "tiny.yaml", "--rootfs-only", "-o", "out"], in: directory.path)
        #expect(loud.stdout.contains("rootfs: \(directory.file("out/tiny.rootfs.ext4"))"))
        // --json asks for the result: it still comes.
        let json = try slipway(
            ["build", "tiny.yaml", "--rootfs-only", "-q", "--json", "-o", "out"], in: directory.path)
        #expect(try jsonObject(json.stdout)["profile"] as? String == "tiny")
    }
}
