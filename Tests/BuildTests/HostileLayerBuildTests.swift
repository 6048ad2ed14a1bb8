import Foundation
import TestSupport
import Testing

/// `slipway build` of a profile whose layers write through a symbolic link out of the tree
/// (`d -> /etc`, then `d/passwd`), in one layer or across two: the build stops with the layer, the
/// entry and the rule, writes no image, and the host's /etc is untouched.
@Suite struct HostileLayerBuildTests {
    @Test(arguments: [false, true])
    func writingThroughALinkOutOfTheTreeStopsTheBuild(acrossLayers: Bool) throws {
        let directory = try TemporaryDirectory("hostile-build")
        let link = Member.symlink("d", to: "/etc")
        let write = Member.file("d/passwd", "evil::0:0::/:/bin/sh\n")
        let layers = acrossLayers ? [[link], [write]] : [[link, write]]
        var profile = "name: hostile\nroot:\n  layers:\n"
        for (index, members) in layers.enumerated() {
            try writeTar(members, to: directory.file("layer\(index).tar"))
            profile += "    - tar: layer\(index).tar\n"
        }
        try profile.write(toFile: directory.file("hostile.yaml"), atomically: true, encoding: .utf8)
        let hostPasswd = try Data(contentsOf: URL(fileURLWithPath: "/etc/passwd"))

        let built = try runTool([
            try Fixtures.slipwayExecutable(), "build", directory.file("hostile.yaml"), "--rootfs-only", "-q",
            "--output", directory.file("out"), "--cache", directory.file("cache"),
        ])
        #expect(built.status == 1)
        let layer = directory.file("layer\(layers.count - 1).tar")
        #expect(
            built.stderr.contains(
                "layer \(layer): entry \"d/passwd\": parent \"/d\" is a symbolic link in the tree; layers may not "
                    + "write through links"), "\(built.stderr)")
        let outputs = (try? FileManager.default.contentsOfDirectory(atPath: directory.file("out"))) ?? []
        #expect(!outputs.contains { $0.hasSuffix(".ext4") }, "\(outputs)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: "/etc/passwd")) == hostPasswd)
    }
}
