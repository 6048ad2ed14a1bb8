import Foundation
import TestSupport
import Testing

/// The cloud formats QEMU can boot, as a user meets them: `slipway build --format vmdk|vhd`, then
/// `slipway run NAME.vmdk|NAME.vhd` to the ready line and `slipway inspect` of the same file.
@Suite(.serialized) struct CloudFormatBootTests {
    @Test(arguments: ["vmdk", "vhd"])
    func bootsAndInspectsTheFormat(format: String) throws {
        let output = try TemporaryDirectory()
        let slipway = try Fixtures.slipwayExecutable()
        let build = try runTool([
            slipway, "build", packageRoot().appendingPathComponent("profiles/minimal.yaml").path, "--output",
            output.path, "--format", format, "--quiet",
        ])
        #expect(build.status == 0, "\(build.stderr)")
        let image = output.file("minimal.\(format)")
        let run = try runTool([
            slipway, "run", image, "--expect", "slipway: ready", "--timeout", "240", "--memory", "512M",
        ])
        #expect(run.status == 0, "\(run.stderr)\n\(run.stdout.suffix(2000))")
        #expect(run.stdout.contains("slipway: ready"))
        let inspect = try runTool([slipway, "inspect", image, "--json"])
        #expect(inspect.status == 0, "\(inspect.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any]
        #expect((report?["partitions"] as? [Any])?.count == 4)
        #expect(report?["image"] as? String == image)
    }
}
