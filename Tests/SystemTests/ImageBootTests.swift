import Foundation
import TestSupport
import Testing

/// The whole chain as a user runs it: `slipway build` a profile into a GPT disk, `slipway run` it
/// under UEFI (OVMF → systemd-boot → kernel → slipway-initrd → read-only root), read the console.
@Suite(.serialized) struct ImageBootTests {
    /// One minimal image per test run, built with the CLI into a directory kept for the suite.
    static let built: Result<String, any Error> = Result {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-image-boot-\(getpid())")
            .path
        let build = try runTool([
            try Fixtures.slipwayExecutable(), "build",
            packageRoot().appendingPathComponent("profiles/minimal.yaml").path,
            "--output", output, "--quiet",
        ])
        guard build.status == 0 else { throw FixtureError("slipway build failed: \(build.stderr)") }
        return output + "/minimal.img"
    }

    private func run(_ image: String, expect: String, timeout: Int = 240) throws -> CommandResult {
        try runTool([
            try Fixtures.slipwayExecutable(), "run", image, "--expect", expect, "--timeout", "\(timeout)", "--memory",
            "512M",
        ])
    }

    @Test func bootsThroughUEFIToReadyWithAReadOnlyRoot() throws {
        let image = try Self.built.get()
        let result = try run(image, expect: "slipway: ready")
        #expect(result.status == 0, "\(result.stderr)")
        let console = result.stdout
        // The initrd's steps, in order, then the root's own lines.
        let milestones = [
            "slipway-initrd: [", "mounted /proc /sys /dev /run", "loaded ", "mounted root PARTUUID=",
            "read-only on /sysroot", "mounted state PARTLABEL=STATE", "mounted /etc overlay", "switching root",
            "slipway: root is read-only", "slipway: boot 1, /etc is writable", "slipway: ready",
        ]
        var rest = console[...]
        for milestone in milestones {
            guard let range = rest.range(of: milestone) else {
                Issue.record("missing or out of order: \(milestone)\n\(console.suffix(3000))")
                return
            }
            rest = rest[range.upperBound...]
        }
    }

    @Test func corruptRootSlotEndsWithTheInitrdsError() throws {
        let image = try Self.built.get()
        let dir = try TemporaryDirectory()
        let copy = dir.file("corrupt.img")
        try runTool(["cp", "--sparse=always", image, copy])
        // Zero ROOT-A's first MiB: the ext4 superblock goes, the GPT stays.
        let table = try runTool(["sfdisk", "--json", copy]).stdout
        let json = try JSONSerialization.jsonObject(with: Data(table.utf8)) as? [String: Any]
        let partitions = ((json?["partitiontable"] as? [String: Any])?["partitions"] as? [[String: Any]]) ?? []
        let rootA = try #require(partitions.first { ($0["name"] as? String) == "ROOT-A" })
        let start = try #require(rootA["start"] as? Int)
        let zero = try runTool([
            "dd", "if=/dev/zero", "of=\(copy)", "bs=512", "seek=\(start)", "count=2048", "conv=notrunc",
        ])
        #expect(zero.status == 0)
        let result = try run(copy, expect: "starting rescue shell", timeout: 180)
        #expect(result.status == 0, "no initrd error on the console: \(result.stdout.suffix(2000))")
        #expect(result.stdout.contains("slipway-initrd: error: mount root"), "\(result.stdout.suffix(2000))")
        #expect(!result.stdout.contains("Kernel panic"))
    }

    @Test func runConfigIsAppliedOnFirstBootThroughFwCfg() throws {
        let image = try Self.built.get()
        let dir = try TemporaryDirectory()
        let config = dir.file("hello.ign")
        try
            #"{"ignition":{"version":"3.3.0"},"storage":{"files":[{"path":"/etc/hello","mode":420,"contents":{"source":"data:,hi"}}]}}"#
            .write(toFile: config, atomically: true, encoding: .utf8)
        let result = try runTool([
            try Fixtures.slipwayExecutable(), "run", image, "--config", config, "--expect", "slipway: ready",
            "--timeout", "240", "--memory", "512M",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("first boot: config from qemu fw_cfg opt/com.coreos/config"))
        #expect(result.stdout.contains("1 written: /etc/hello"), "\(result.stdout.suffix(3000))")
    }

    /// Kernel arguments of a first-boot config go into slot A's loader entry and the initrd reboots; with
    /// `--reboots 1` the run continues on the same disk and UEFI variables, and the second boot runs with
    /// them and does not apply the config again.
    @Test func kernelArgumentsOfTheConfigAreInTheSecondBootsCommandLine() throws {
        let image = try Self.built.get()
        let dir = try TemporaryDirectory()
        let config = dir.file("kargs.ign")
        try #"{"ignition":{"version":"3.3.0"},"kernelArguments":{"shouldExist":["slipway.test.karg=hello"],"#
            .appending(#""shouldNotExist":["panic=-1","not.there"]}}"#)
            .write(toFile: config, atomically: true, encoding: .utf8)
        let result = try runTool([
            try Fixtures.slipwayExecutable(), "run", image, "--config", config, "--reboots", "1", "--expect",
            "^slipway: cmdline .*slipway\\.test\\.karg=hello", "--timeout", "480", "--memory", "512M",
        ])
        #expect(result.status == 0, "\(result.stderr)\n\(result.stdout.suffix(3000))")
        #expect(result.stderr.contains("slipway run: the guest rebooted (1 of 1 allowed); starting it again"))
        // Split bytes, not Characters: "\r\n" is a single Character in Swift.
        let lines = result.stdout.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map {
            String(decoding: $0.last == UInt8(ascii: "\r") ? $0.dropLast() : $0, as: UTF8.self)
        }
        // First boot: the config is applied, the entry the loader renamed on its first try is rewritten.
        let applied = try #require(
            lines.firstIndex {
                $0.hasSuffix(
                    "first boot: kernel arguments applied to loader/entries/slipway-a+2-1.conf: "
                        + "added [slipway.test.karg=hello] removed [panic=-1]; rebooting")
            }, "\(result.stdout.suffix(3000))")
        #expect(lines[..<applied].contains { $0.hasSuffix("first boot: recorded in /etc/.slipway-firstboot.json") })
        #expect(!lines[..<applied].contains { $0.hasPrefix("slipway: cmdline ") })
        // Second boot: the record stops the config from being applied again; the kernel has the change.
        let second = lines[(applied + 1)...]
        #expect(
            second.contains {
                $0.contains("first-boot config applied on ")
                    && $0.hasSuffix(" from qemu fw_cfg opt/com.coreos/config; not run again")
            }, "\(second.joined(separator: "\n"))")
        #expect(!second.contains { $0.contains("first boot: config from") })
        let cmdline = try #require(second.last { $0.hasPrefix("slipway: cmdline ") })
        let words = cmdline.dropFirst("slipway: cmdline ".count).split(separator: " ")
        #expect(words.contains("slipway.test.karg=hello"), "\(cmdline)")
        #expect(!words.contains("panic=-1"), "\(cmdline)")
        #expect(words.contains("console=ttyS0"), "\(cmdline)")
    }

    @Test func inspectShowsPartitionsAndTheSlotAEntryWithTriesLeft() throws {
        let image = try Self.built.get()
        let result = try runTool([try Fixtures.slipwayExecutable(), "inspect", image, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        for expected in [
            "\"ESP\"", "\"ROOT-A\"", "\"ROOT-B\"", "\"STATE\"", "slipway-a+3.conf", "\"ext4\"", "\"vfat\"",
        ] {
            #expect(result.stdout.contains(expected), "\(expected) not in \(result.stdout.prefix(3000))")
        }
    }
}
