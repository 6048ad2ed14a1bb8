import Archive
import Boot
import Foundation
import TestSupport
import Testing

/// Boots the real Debian cloud kernel with our initramfs under QEMU (TCG) from a small GPT disk made
/// with sgdisk and mkfs.ext4, and reads the serial console.
@Suite(.serialized) struct InitrdBootTests {
    /// What the initrd logs on a first boot, in order, with STATE named by `state`.
    static func initrdSteps(state: String) -> [String] {
        [
            "mounted /proc /sys /dev /run",
            "root PARTLABEL=ROOT-A, state \(state), init /sbin/init, timeout 20 s",
            "loaded 7 modules: virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio virtio_pci virtio_blk overlay",
            "waiting for root PARTLABEL=ROOT-A",
            "mounted root PARTLABEL=ROOT-A (/dev/vda1) read-only on /sysroot",
            "mounted state \(state) (/dev/vda2) on /state, first boot: created its layout",
            // The fixture's disk has 7 MiB after STATE: the first boot takes the 6 whole MiB of them.
            "grew STATE's partition and filesystem (/dev/vda2) from 16 MiB to 22 MiB to fill the disk",
            "first boot: copied 2 entries of the image's /var to /state/var",
            "mounted /etc overlay and /var, /home from state",
            "first boot: platform qemu (detected)",
            "first boot: qemu fw_cfg opt/com.coreos/config: none (no /sys/firmware/qemu_fw_cfg: not QEMU, or "
                + "qemu_fw_cfg is not among the initrd's modules)",
            "first boot: OEM partition PARTLABEL=OEM /config.ign: none (no partition labelled OEM)",
            "first boot: kernel command line: none (no slipway.config.url=)",
            "first boot: embedded default /usr/lib/slipway/firstboot/default.ign: none",
            "first boot: no config from any source; nothing to apply",
            "first boot: recorded in /etc/.slipway-firstboot.json",
            "switching root: exec /sbin/init",
        ]
    }

    /// The root's /sbin/init: shows what the initrd set up, then powers off.
    static let rootInit = """
        #!/bin/sh
        echo "root: $(grep -E ' / | /etc | /var | /home | /state ' /proc/mounts | cut -d' ' -f2-4 | tr '\\n' ';')"
        echo "root: kept from the last boot: $(cat /etc/written-at-boot 2>/dev/null || echo nothing)"
        echo probe > /etc/written-at-boot && echo "root: /etc is writable"
        echo "root: seed $(cat /var/lib/seed)"
        echo "slipway: ready"
        /bin/busybox poweroff -f

        """

    @Test func bootsIntoTheRootSlotThenFailsClearlyWithoutIt() throws {
        let scratch = try TemporaryDirectory("initrd-boot")
        let kernel = try Self.kernel()
        let kernelPath = scratch.file("vmlinuz")
        try Data(kernel.image).write(to: URL(fileURLWithPath: kernelPath))
        let closure = try kernel.modules.closure(of: ["virtio_pci", "virtio_blk", "ext4", "overlay"])
        let initrd = scratch.file("initrd.img")
        try InitramfsBuilder(
            initExecutable: try InitramfsBuilder.hostFile(try Fixtures.initrdExecutable()),
            libraries: .directories(["/lib/x86_64-linux-gnu"]), modules: closure,
            busybox: try InitramfsBuilder.hostFile("/bin/busybox"), compression: kernel.initramfsCompression
        ).write(to: initrd)

        // A first boot: every step in order, the system's init runs on the read-only root. STATE is
        // named by its GPT unique GUID, which the initrd reads from the disk itself.
        let disk = try Self.makeDisk(in: scratch, withRoot: true)
        let info = try runTool(["sgdisk", "-i", "2", disk]).stdout
        let guid = try #require(
            info.split(separator: "\n").first { $0.hasPrefix("Partition unique GUID: ") }?.split(separator: " ").last)
        let state = "PARTUUID=\(guid.lowercased())"
        let steps = Self.initrdSteps(state: state)
        let boot = try QEMU.boot(
            kernel: kernelPath, initrd: initrd, disk: disk, log: scratch.file("console-ok.log"),
            append: "slipway.root=PARTLABEL=ROOT-A slipway.state=PARTUUID=\(guid) slipway.timeout=20",
            until: "slipway: ready", timeout: 180)
        print(
            "first boot, \(String(format: "%.1f", boot.seconds)) s on the host clock:\n"
                + boot.initrdLines.joined(separator: "\n"))
        #expect(boot.printed("slipway: ready"))
        #expect(
            boot.initrdLines.map { $0.dropFirst("slipway-initrd: [  0.000] ".count) }.enumerated().allSatisfy {
                $0.offset < steps.count && $0.element.hasPrefix(steps[$0.offset])
            }, "initrd lines:\n\(boot.initrdLines.joined(separator: "\n"))")
        #expect(boot.initrdLines.count == steps.count)
        #expect(boot.printed(" / ext4 ro,relatime;"))
        #expect(boot.printed("/state ext4 rw,noatime;"))
        #expect(boot.printed("/etc overlay rw,"))
        #expect(boot.printed("/var ext4 rw,noatime;"))
        #expect(boot.printed("root: kept from the last boot: nothing"))
        #expect(boot.printed("root: /etc is writable"))
        #expect(boot.printed("root: seed from-the-image"))
        #expect(boot.initrdErrors.isEmpty, "\(boot)")
        #expect(boot.exited, "QEMU should exit when the guest powers off")

        // STATE now has its layout and the file written through the /etc overlay.
        let upper = try runTool(["debugfs", "-R", "ls -p /etc-upper", "\(disk)?offset=\(Self.stateOffset)"])
        #expect(upper.stdout.contains("/written-at-boot/"), "\(upper.stdout)\(upper.stderr)")
        let marker = try runTool(["debugfs", "-R", "cat /.slipway/layout", "\(disk)?offset=\(Self.stateOffset)"])
        #expect(marker.stdout == "1\n")

        // The next boot finds STATE's layout: no first-boot steps, and /etc keeps what was written.
        let again = try QEMU.boot(
            kernel: kernelPath, initrd: initrd, disk: disk, log: scratch.file("console-again.log"),
            append: "slipway.root=PARTLABEL=ROOT-A slipway.state=PARTUUID=\(guid) slipway.timeout=20",
            until: "slipway: ready", timeout: 180)
        #expect(again.printed("slipway: ready"))
        // Gone: the /var copy and the seven first-boot lines; new: the line that skips first boot.
        #expect(again.initrdLines.count == steps.count - 8, "\(again.initrdLines.joined(separator: "\n"))")
        #expect(again.initrdLines.contains { $0.hasSuffix(", none found; not run again") })
        #expect(again.initrdLines.contains { $0.hasSuffix("mounted state \(state) (/dev/vda2) on /state") })
        #expect(!again.printed("first boot"))
        #expect(again.printed("root: kept from the last boot: probe"))

        // No root slot: the initrd says what is missing within its timeout, then offers the rescue shell.
        let broken = try Self.makeDisk(in: scratch, withRoot: false)
        let failure = try QEMU.boot(
            kernel: kernelPath, initrd: initrd, disk: broken, log: scratch.file("console-fail.log"),
            append: "slipway.root=PARTLABEL=ROOT-A slipway.state=PARTLABEL=STATE slipway.timeout=3",
            until: "starting rescue shell", timeout: 120)
        print("failure boot:\n" + failure.initrdLines.joined(separator: "\n"))
        let missingRoot =
            "] error: root partition PARTLABEL=ROOT-A did not appear within 3 s (block devices: "
            + "vda (disk), vda1 (partition 1 \"STATE\")); check slipway.root= on the kernel command line and "
            + "that the disk driver (e.g. virtio_blk) is among the initrd's modules"
        #expect(failure.initrdErrors.count == 1 && failure.initrdErrors[0].hasSuffix(missingRoot), "\(failure)")
        #expect(failure.printed("starting rescue shell /bin/sh"))
        #expect(!failure.printed("Kernel panic"))

        // Without a rescue shell the error stays on the console, repeated, and the kernel does not
        // panic (PID 1 never exits).
        let bare = scratch.file("initrd-bare.img")
        try InitramfsBuilder(
            initExecutable: try InitramfsBuilder.hostFile(try Fixtures.initrdExecutable()),
            libraries: .directories(["/lib/x86_64-linux-gnu"]), modules: closure, busybox: nil,
            compression: kernel.initramfsCompression
        ).write(to: bare)
        let stuck = try QEMU.boot(
            kernel: kernelPath, initrd: bare, disk: broken, log: scratch.file("console-bare.log"),
            append: "slipway.root=PARTLABEL=ROOT-A slipway.state=PARTLABEL=STATE slipway.timeout=3",
            until: missingRoot, occurrences: 2, timeout: 120)
        #expect(stuck.printed("no rescue shell in this initrd (set rescue-shell: true in the profile for one)"))
        #expect(
            stuck.initrdErrors.count == 2 && stuck.initrdErrors.allSatisfy { $0.hasSuffix(missingRoot) }, "\(stuck)")
        #expect(!stuck.exited && !stuck.printed("Kernel panic"), "\(stuck)")
    }

    // MARK: - Fixtures

    static let stateOffset = 51200 * 512

    static func kernel() throws -> KernelPackage {
        let deb = try Fixtures.kernelPackage()
        let ar = try ArchiveReader(path: deb)
        while let member = try ar.next() {
            guard member.path.hasPrefix("data.tar") else { continue }
            return try KernelPackage(
                dataArchive: try ArchiveReader(bytes: try ar.readAll(), label: member.path), label: deb)
        }
        throw FixtureError("\(deb) has no data.tar member")
    }

    /// A 48 MiB GPT disk: ROOT-A (24 MiB ext4 with busybox and the init script) and STATE (16 MiB
    /// ext4, empty). Without the root, STATE is partition 1 and nothing is named ROOT-A.
    static func makeDisk(in scratch: TemporaryDirectory, withRoot: Bool) throws -> String {
        let disk = scratch.file(withRoot ? "disk.img" : "disk-noroot.img")
        #expect(try runTool(["truncate", "-s", "48M", disk]).status == 0)
        var partitions = ["-o"]
        if withRoot { partitions += ["-n", "1:2048:+24M", "-c", "1:ROOT-A", "-t", "1:8304"] }
        let stateNumber = withRoot ? 2 : 1
        partitions += ["-n", "\(stateNumber):51200:+16M", "-c", "\(stateNumber):STATE", "-t", "\(stateNumber):8300"]
        let sgdisk = try runTool(["sgdisk"] + partitions + [disk])
        #expect(sgdisk.status == 0, "\(sgdisk.stderr)")
        if withRoot {
            let root = scratch.file("root")
            let fm = FileManager.default
            for directory in ["bin", "sbin", "dev", "proc", "sys", "run", "state", "etc", "var/lib", "home", "tmp"] {
                try fm.createDirectory(atPath: root + "/" + directory, withIntermediateDirectories: true)
            }
            try fm.copyItem(atPath: "/bin/busybox", toPath: root + "/bin/busybox")
            try fm.createSymbolicLink(atPath: root + "/bin/sh", withDestinationPath: "busybox")
            try rootInit.write(toFile: root + "/sbin/init", atomically: false, encoding: .utf8)
            try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root + "/sbin/init")
            try "from-the-image\n".write(toFile: root + "/var/lib/seed", atomically: false, encoding: .utf8)
            try "slipway-test\n".write(toFile: root + "/etc/hostname", atomically: false, encoding: .utf8)
            let mkfs = try runTool(["mkfs.ext4", "-q", "-F", "-E", "offset=\(2048 * 512)", "-d", root, disk, "24M"])
            #expect(mkfs.status == 0, "\(mkfs.stderr)")
        }
        let mkfs = try runTool(["mkfs.ext4", "-q", "-F", "-E", "offset=\(stateOffset)", disk, "16M"])
        #expect(mkfs.status == 0, "\(mkfs.stderr)")
        return disk
    }
}

/// A QEMU run with a host timeout; QEMU is killed on every path out.
struct QEMU: CustomStringConvertible {
    var console: String
    var exited: Bool
    var seconds: Double
    /// What QEMU itself printed (it exits early on a bad argument or a host-side failure).
    var qemuErrors: String

    /// Whether the console shows `text`. Checks go through this rather than `console.contains` so
    /// a failed expectation prints `description` (the console's end, where the cause is) instead
    /// of the whole console, which CI logs cut in the middle.
    func printed(_ text: String) -> Bool { console.contains(text) }

    var description: String {
        let tail = console.split(whereSeparator: \.isNewline).suffix(60).joined(separator: "\n")
        return "boot of \(String(format: "%.1f", seconds)) s, QEMU \(exited ? "exited" : "killed")"
            + (qemuErrors.isEmpty ? "" : ", QEMU said: \(qemuErrors)") + "; the console ends:\n\(tail)"
    }

    /// The initrd's error lines (`slipway-initrd: [  3.142] error: …`).
    var initrdErrors: [String] { initrdLines.filter { $0.contains("] error: ") } }

    /// The initrd's log lines, in order.
    var initrdLines: [String] {
        // The serial console ends lines with "\r\n", which Swift treats as one Character.
        console.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { $0.hasPrefix("slipway-initrd: [") }
    }

    static func boot(
        kernel: String, initrd: String, disk: String, log: String, append: String, until marker: String,
        occurrences: Int = 1, timeout: TimeInterval, extraArguments: [String] = []
    ) throws -> QEMU {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/qemu-system-x86_64")
        process.arguments =
            [
                "-accel", "tcg", "-cpu", "qemu64", "-smp", "2", "-m", "512", "-nodefaults", "-display", "none",
                "-no-reboot", "-serial", "file:\(log)", "-kernel", kernel, "-initrd", initrd,
                "-append", "console=ttyS0 panic=-1 SWIFT_DETERMINISTIC_HASHING=1 " + append,
                "-drive", "file=\(disk),format=raw,if=virtio",
            ] + extraArguments
        let errors = log + ".qemu-stderr"
        _ = FileManager.default.createFile(atPath: errors, contents: nil)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errors))
        let start = Date()
        try process.run()
        defer {
            // SIGKILL: QEMU under TCG was seen to ignore SIGTERM while the guest idles in a shell,
            // and the disk is a scratch file with nothing to flush.
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            if let keep = ProcessInfo.processInfo.environment["SLIPWAY_KEEP_CONSOLE"] {
                try? FileManager.default.removeItem(atPath: keep + "/" + (log as NSString).lastPathComponent)
                try? FileManager.default.copyItem(atPath: log, toPath: keep + "/" + (log as NSString).lastPathComponent)
            }
        }
        var console = ""
        while Date().timeIntervalSince(start) < timeout {
            console = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if !process.isRunning || console.components(separatedBy: marker).count > occurrences { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        // Let a powering-off guest finish so `exited` reports it.
        let grace = Date()
        while process.isRunning && Date().timeIntervalSince(grace) < 10 && console.contains(marker)
            && marker == "slipway: ready"
        {
            Thread.sleep(forTimeInterval: 0.1)
        }
        let exited = !process.isRunning
        console = (try? String(contentsOfFile: log, encoding: .utf8)) ?? console
        let qemuErrors = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
        return QEMU(
            console: console, exited: exited, seconds: Date().timeIntervalSince(start),
            qemuErrors: qemuErrors.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
