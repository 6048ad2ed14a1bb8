import Foundation
import TestSupport
import Testing

/// Updates proven by booting: an offline-applied v2 boots from slot B and blesses itself; a v2
/// whose init exits at once, and a v2 whose root filesystem is corrupt, are abandoned after their
/// tries and the machine is back on v1. The images come from UpdateFixtures (v1 gives new slots 2
/// tries); each test boots its own copy with `slipway run --persist` and reads the console, then
/// the ESP's entries.
@Suite(.serialized) struct UpdateBootTests {
    func boot(_ image: String, expect: String, reboots: Int = 0, timeout: Int = 300) throws -> CommandResult {
        try runTool([
            try Fixtures.slipwayExecutable(), "run", image, "--persist", "--expect", expect, "--reboots", "\(reboots)",
            "--timeout", "\(timeout)", "--memory", "512M",
        ])
    }

    func apply(_ image: String, _ payload: String) throws {
        let applied = try runTool([try Fixtures.slipwayExecutable(), "update", "apply", image, payload, "--quiet"])
        #expect(applied.status == 0, "\(applied.stderr)")
    }

    /// Proof 1: v2 applied to v1's image offline boots from slot B, and the ready line blesses it.
    @Test func offlineUpdateBootsSlotBAndBlessesIt() throws {
        let built = try UpdateFixtures.built.get()
        let scratch = try TemporaryDirectory("slipway-update-boot")
        let image = try UpdateFixtures.v1Copy(in: scratch)
        try apply(image, built.payload("v2"))
        let result = try boot(image, expect: "slipway: slot b version 2.0.0 is good")
        #expect(result.status == 0, "\(result.stdout.suffix(3000))")
        #expect(result.stdout.contains("slipway: booting slot b, version 2.0.0"), "\(result.stdout.suffix(3000))")
        #expect(try UpdateFixtures.entries(of: image) == ["slipway-a+2.conf", "slipway-b.conf"])
    }

    /// Proof 4: a v2 whose init exits at once panics the kernel (panic=-1 resets); the loader counts
    /// each try, and after the last one boots v1 again, which is then blessed.
    @Test func initThatExitsFallsBackToTheOldVersion() throws {
        let built = try UpdateFixtures.built.get()
        let scratch = try TemporaryDirectory("slipway-update-noinit")
        let image = try UpdateFixtures.v1Copy(in: scratch)
        try apply(image, built.payload("noinit"))
        let result = try boot(image, expect: "version 2\\.0\\.0 failed: it started .* rebooted before\\)", reboots: 3)
        #expect(result.status == 0, "\(result.stdout.suffix(3000))")
        let console = result.stdout
        // Two tries of slot B (tries: 2), each ending in init's exit, then slot A: tries + 1 boots.
        #expect(
            console.components(separatedBy: "slipway: booting slot b, version 2.0.0").count - 1 == 2,
            "\(console.suffix(4000))")
        // The kernel's panic line is printed synchronously; the script's own line can be lost in the
        // serial port's buffer when the panic resets the machine at once.
        #expect(console.contains("slipway: init exits"), "\(console.suffix(4000))")
        #expect(
            console.components(separatedBy: "Attempted to kill init!").count - 1 == 2, "\(console.suffix(4000))")
        #expect(console.contains("slipway: booting slot a, version 1.0.0"))
        #expect(console.contains("slipway: slot a version 1.0.0 is good"))
        // slipway-update status on v1 names v2 and what happened to it.
        #expect(console.contains("slot b: version 2.0.0, bad: failed 2 boots"), "\(console.suffix(2000))")
        #expect(
            console.contains(
                "  version 2.0.0 failed: it started its init but never passed its health check"),
            "\(console.suffix(2000))")
        #expect(try UpdateFixtures.entries(of: image) == ["slipway-a.conf", "slipway-b+0-2.conf"])
    }

    /// Proof 4: a v2 whose root filesystem does not mount: the initrd reboots while slot A has a
    /// usable entry, instead of stopping in the rescue shell, and the machine is back on v1.
    @Test func corruptRootFallsBackWithoutTheRescueShell() throws {
        let built = try UpdateFixtures.built.get()
        let scratch = try TemporaryDirectory("slipway-update-corrupt")
        let image = try UpdateFixtures.v1Copy(in: scratch)
        try apply(image, built.payload("v2"))
        // Zero ROOT-B's first MiB: the ext4 superblock goes, the GPT and entries stay.
        let rootB = try #require(try UpdateFixtures.partitions(of: image)["ROOT-B"])
        let zero = try runTool([
            "dd", "if=/dev/zero", "of=\(image)", "bs=512", "seek=\(rootB.start)", "count=2048", "conv=notrunc",
        ])
        #expect(zero.status == 0)
        let result = try boot(image, expect: "version 2\\.0\\.0 failed: initrd: .*Invalid argument", reboots: 3)
        #expect(result.status == 0, "\(result.stdout.suffix(3000))")
        #expect(result.stdout.contains("rebooting so the boot loader can fall back"), "\(result.stdout.suffix(3000))")
        #expect(result.stdout.contains("slipway: slot a version 1.0.0 is good"))
        #expect(
            result.stdout.contains(
                "  version 2.0.0 failed: initrd: mount root PARTUUID=\(rootB.uuid) read-only (is the slot an ext4 filesystem?)"
            ),
            "\(result.stdout.suffix(2000))")
        #expect(!result.stdout.contains("starting rescue shell"))
        #expect(try UpdateFixtures.entries(of: image) == ["slipway-a.conf", "slipway-b+0-2.conf"])
    }
}
