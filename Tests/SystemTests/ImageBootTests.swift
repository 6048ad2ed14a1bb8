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
        let rootPartUUID = try #require(rootA["uuid"] as? String).lowercased()
        #expect(
            result.stdout.contains(
                "] error: mount root PARTUUID=\(rootPartUUID) read-only (is the slot an ext4 filesystem?): "
                    + "mount /dev/vda2 on /sysroot: Invalid argument"), "\(result.stdout.suffix(2000))")
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

    /// The image written to a disk 256 MiB larger: the first boot grows STATE (partition and ext4) to
    /// the disk's end, independent tools find the result sound, and the second boot leaves it alone.
    @Test func stateGrowsToFillALargerDiskOnce() throws {
        let image = try Self.built.get()
        let dir = try TemporaryDirectory()
        let disk = dir.file("larger.img")
        #expect(try runTool(["cp", "--sparse=always", image, disk]).status == 0)
        #expect(try runTool(["truncate", "-s", "+256M", disk]).status == 0)
        let sectors = try #require(FileManager.default.attributesOfItem(atPath: disk)[.size] as? Int) / 512
        let stateBefore = try Self.partition("STATE", of: disk)

        let first = try runTool([
            try Fixtures.slipwayExecutable(), "run", disk, "--persist", "--expect", "slipway: ready", "--timeout",
            "240", "--memory", "512M",
        ])
        #expect(first.status == 0, "\(first.stdout.suffix(3000))")
        let stateAfter = try Self.partition("STATE", of: disk)
        #expect(stateAfter.start == stateBefore.start)
        // The last whole MiB before the backup GPT (the last 33 sectors).
        #expect(stateAfter.start + stateAfter.size == (sectors - 33) / 2048 * 2048)
        let grew =
            "grew STATE's partition and filesystem (/dev/vda5) from \(stateBefore.size / 2048) MiB to "
            + "\(stateAfter.size / 2048) MiB to fill the disk"
        #expect(first.stdout.contains(grew), "\(first.stdout.suffix(3000))")

        let verify = try runTool(["sfdisk", "--verify", disk])
        #expect(verify.status == 0 && !verify.stdout.contains("GPT PMBR size mismatch"), "\(verify.stdout)")
        #expect(try runTool(["sgdisk", "-v", disk]).stdout.contains("No problems found"))
        // The guest was stopped, not shut down: replay STATE's journal before reading it.
        let state = "\(disk)?offset=\(stateAfter.start * 512)"
        let complaint = try Debugfs(image: state).replayJournal()
        #expect(complaint == nil, "replaying STATE's journal: \(complaint ?? "")")
        let fsck = try runTool(["e2fsck", "-fn", state])
        #expect(fsck.status == 0, "\(fsck.stdout)\(fsck.stderr)")
        let header = try runTool(["dumpe2fs", "-h", state]).stdout
        let blocks = Self.field("Block count", in: header).flatMap { Int($0) } ?? 0
        let blockSize = Self.field("Block size", in: header).flatMap { Int($0) } ?? 0
        #expect(blocks * blockSize == stateAfter.size * 512, "\(header.prefix(2000))")

        let second = try runTool([
            try Fixtures.slipwayExecutable(), "run", disk, "--persist", "--expect", "slipway: ready", "--timeout",
            "240", "--memory", "512M",
        ])
        #expect(second.status == 0, "\(second.stdout.suffix(3000))")
        let stateLine = second.stdout.split(whereSeparator: \.isNewline).first { $0.contains("mounted state") }
        #expect(stateLine?.hasSuffix("on /state") == true, "not a second boot: \(stateLine ?? "no state line")")
        #expect(!second.stdout.contains("grew STATE"), "\(second.stdout.suffix(3000))")
        #expect(try Self.partition("STATE", of: disk) == stateAfter)
    }

    /// A partition's start and size in sectors, as sfdisk reads them.
    static func partition(_ name: String, of disk: String) throws -> Extent {
        let table = try runTool(["sfdisk", "--json", disk]).stdout
        let json = try JSONSerialization.jsonObject(with: Data(table.utf8)) as? [String: Any]
        let partitions = ((json?["partitiontable"] as? [String: Any])?["partitions"] as? [[String: Any]]) ?? []
        let entry = try #require(partitions.first { ($0["name"] as? String) == name }, "no \(name) in \(table)")
        return Extent(start: entry["start"] as? Int ?? -1, size: entry["size"] as? Int ?? -1)
    }

    struct Extent: Equatable {
        var start: Int
        var size: Int
    }

    /// The value of `name:` in dumpe2fs's header listing.
    static func field(_ name: String, in listing: String) -> String? {
        for line in listing.split(separator: "\n") where line.hasPrefix(name + ":") {
            return line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }
}
