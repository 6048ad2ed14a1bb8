import Foundation
import Runner
import TestSupport
import Testing

/// Proof that an on-host apply keeps the machine bootable at every instant: the `cut` image (v1)
/// gets v2's payload on STATE through its first-boot config (fetched over http from the host's
/// loopback) and applies it after the ready line; the test kills QEMU at a point of that apply. The
/// next boot runs v1, applies again, and reboots into v2, which is blessed.
@Suite(.serialized) struct UpdatePowerCutBootTests {
    static func boot(_ image: String, config: String?) throws -> Machine {
        let machine = Machine(
            MachineConfiguration(
                disk: DiskAttachment(path: image, persist: true), ignitionConfig: config, acceleration: .tcg))
        try machine.start()
        return machine
    }

    /// Kills the machine `delay` seconds after the console shows `line` of the apply.
    @Test(arguments: [
        ("slipway-update: verifying", 0.0), ("slipway-update: writing slot B", 0.0),
        ("slipway-update: writing slot B", 1.0),
    ])
    func powerCutDuringApplyBootsTheOldVersionAndARetrySucceeds(line: String, delay: Double) throws {
        let built = try UpdateFixtures.built.get()
        let scratch = try TemporaryDirectory("slipway-update-cut")
        let image = scratch.file("cut.img")
        try runTool(["cp", "--sparse=always", built.directory + "/out-cut/minimal.img", image])
        let payload = Array(try Data(contentsOf: URL(fileURLWithPath: built.payload("v2"))))
        let server = try TestHTTPServer { _ in .ok(payload) }
        let config = scratch.file("config.ign")
        try """
        {"ignition": {"version": "3.4.0"}, "storage": {"files": [{"path": "/var/update.payload", "mode": 384,
          "contents": {"source": "http://10.0.2.2:\(server.port)/minimal.update"}}]}}
        """.write(toFile: config, atomically: true, encoding: .utf8)

        // v1's first boot: the payload arrives, the apply starts, and the power goes.
        let first = try Self.boot(image, config: config)
        defer { first.stop() }
        _ = try first.waitFor(NSRegularExpression.escapedPattern(for: line), timeout: .seconds(300))
        if delay > 0 { Thread.sleep(forTimeInterval: delay) }
        first.stop()
        let cut = first.consoleLog
        #expect(cut.contains("slipway: booting slot a, version 1.0.0"))
        #expect(
            !cut.contains("slipway-update: installed"), "the cut came too late to test anything: \(cut.suffix(2000))")

        // The next boot: v1 again (the entry of the half-written slot was removed first), then the
        // apply runs again, succeeds, and the machine reboots into v2.
        let second = try Self.boot(image, config: nil)
        defer { second.stop() }
        _ = try second.waitFor("slipway-update: installed version 2\\.0\\.0 in slot b", timeout: .seconds(300))
        #expect(second.waitForExit(timeout: .seconds(120)) == .reset)
        let retried = second.consoleLog
        second.stop()
        #expect(retried.contains("slipway: booting slot a, version 1.0.0"), "\(retried.suffix(3000))")
        #expect(!retried.contains("slipway: booting slot b"))

        let third = try Self.boot(image, config: nil)
        defer { third.stop() }
        _ = try third.waitFor("slipway: slot b version 2\\.0\\.0 is good", timeout: .seconds(300))
        #expect(third.consoleLog.contains("slipway: booting slot b, version 2.0.0"))
        third.stop()
        #expect(try UpdateFixtures.entries(of: image).contains("slipway-b.conf"))
    }
}
