// Fixtures of FirstBootBootTests: a bootable machine (kernel, initramfs, GPT disk with a busybox or
// systemd root) and a fake metadata service.
import Boot
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension FirstBootBootTests {
    /// A kernel, an initramfs with the modules first boot needs, and a disk with a busybox root (or
    /// one that starts the host's systemd).
    struct Machine {
        var kernel: String
        var initrd: String
        var disk: String
        var scratch: TemporaryDirectory
        /// ROOT-A starts at sector 2048; STATE (16 MiB) follows it, then the optional OEM (4 MiB).
        var rootMiB: Int
        var rootImage: String { "\(disk)?offset=\(2048 * 512)" }
        var stateOffset: Int { (2048 + rootMiB * 2048) * 512 }
        var stateImage: String { "\(disk)?offset=\(stateOffset)" }
        var oemOffset: Int { stateOffset + (16 << 20) }

        init(
            _ scratch: TemporaryDirectory, oemConfig: String? = nil, embeddedConfig: String? = nil,
            systemd: Bool = false, extraModules: [String] = [], rootPrograms: [String] = []
        ) throws {
            self.scratch = scratch
            rootMiB = systemd ? 64 : 24
            let package = try InitrdBootTests.kernel()
            kernel = scratch.file("vmlinuz")
            try Data(package.image).write(to: URL(fileURLWithPath: kernel))
            let closure = try package.modules.closure(
                of: [
                    "virtio_pci", "virtio_blk", "ext4", "overlay", "qemu_fw_cfg", "virtio_net",
                ] + extraModules)
            initrd = scratch.file("initrd.img")
            try InitramfsBuilder(
                initExecutable: try InitramfsBuilder.hostFile(try Fixtures.initrdExecutable()),
                libraries: .directories(["/lib/x86_64-linux-gnu"]), modules: closure,
                busybox: try InitramfsBuilder.hostFile("/bin/busybox"), compression: package.initramfsCompression
            ).write(to: initrd)
            disk = scratch.file("disk.img")
            try makeDisk(
                oemConfig: oemConfig, embeddedConfig: embeddedConfig, systemd: systemd, programs: rootPrograms)
        }

        func boot(
            _ name: String, fwCfg: String? = nil, extraAppend: String = "", extraArguments: [String] = [],
            until marker: String = "slipway: ready"
        ) throws -> QEMU {
            var arguments = extraArguments
            if let fwCfg { arguments += ["-fw_cfg", "name=opt/com.coreos/config,file=\(fwCfg)"] }
            return try QEMU.boot(
                kernel: kernel, initrd: initrd, disk: disk, log: scratch.file("console-\(name).log"),
                append: "slipway.root=PARTLABEL=ROOT-A slipway.state=PARTLABEL=STATE slipway.timeout=20 \(extraAppend)",
                until: marker, timeout: 180, extraArguments: arguments)
        }

        /// A boot on `slipway.platform=PLATFORM` whose cloud metadata service (169.254.169.254:80) is
        /// `server` on host loopback: QEMU's user network takes the link-local /24 so that address can
        /// be forwarded (guestfwd) to the server.
        func boot(_ name: String, platform: String, metadataService server: TestHTTPServer) throws -> QEMU {
            let forward = "guestfwd=tcp:169.254.169.254:80-cmd:/bin/busybox nc 127.0.0.1 \(server.port)"
            return try boot(
                name, extraAppend: "slipway.platform=\(platform)",
                extraArguments: [
                    "-netdev", "user,id=net0,net=169.254.169.0/24,\(forward)", "-device", "virtio-net-pci,netdev=net0",
                ])
        }

        /// Replays STATE's journal into the filesystem: the guest is killed, not shut down, so what it
        /// wrote may still be only in the journal, which debugfs does not read otherwise.
        func replayStateJournal() throws {
            let complaint = try Debugfs(image: stateImage).replayJournal()
            #expect(complaint == nil, "replaying STATE's journal: \(complaint ?? "")")
        }

        /// A file of STATE, read with debugfs (after replaying the journal).
        func stateFile(_ path: String) throws -> String {
            try replayStateJournal()
            let result = try runTool(["debugfs", "-R", "cat \(path)", stateImage])
            #expect(result.status == 0, "\(result.stderr)")
            return result.stdout
        }

        /// ROOT-A (ext4: busybox, the init script or systemd, account files, the embedded default
        /// config if given), an empty STATE, and with `oemConfig` an ext4 OEM partition holding it
        /// as /config.ign. `programs` are host programs copied into the root with their libraries.
        func makeDisk(oemConfig: String?, embeddedConfig: String?, systemd: Bool, programs: [String]) throws {
            #expect(try runTool(["truncate", "-s", "\(rootMiB + 24)M", disk]).status == 0)
            let stateSector = stateOffset / 512
            var partitions = [
                "-o", "-n", "1:2048:+\(rootMiB)M", "-c", "1:ROOT-A", "-t", "1:8304", "-n", "2:\(stateSector):+16M",
                "-c", "2:STATE", "-t", "2:8300",
            ]
            if oemConfig != nil { partitions += ["-n", "3:\(oemOffset / 512):+4M", "-c", "3:OEM", "-t", "3:8300"] }
            let sgdisk = try runTool(["sgdisk"] + partitions + [disk])
            #expect(sgdisk.status == 0, "\(sgdisk.stderr)")
            let root = scratch.file("root")
            let fm = FileManager.default
            for directory in ["bin", "sbin", "dev", "proc", "sys", "run", "state", "etc", "var/lib", "home", "tmp"] {
                try fm.createDirectory(atPath: root + "/" + directory, withIntermediateDirectories: true)
            }
            try fm.copyItem(atPath: "/bin/busybox", toPath: root + "/bin/busybox")
            try fm.createSymbolicLink(atPath: root + "/bin/sh", withDestinationPath: "busybox")
            try Self.copyPrograms(programs, into: root)
            if systemd {
                try Self.installSystemd(into: root)
            } else {
                try rootInit.write(toFile: root + "/sbin/init", atomically: false, encoding: .utf8)
                try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root + "/sbin/init")
            }
            let accounts = [
                "passwd": "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
                "group": "root:x:0:\nnogroup:x:65534:\n",
                "shadow": "root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n",
                "login.defs": "UID_MIN 1000\nGID_MIN 1000\nUSERGROUPS_ENAB yes\n",
            ]
            for (name, text) in accounts {
                try text.write(toFile: root + "/etc/" + name, atomically: false, encoding: .utf8)
            }
            try fm.setAttributes([.posixPermissions: 0o640], ofItemAtPath: root + "/etc/shadow")
            if let embeddedConfig {
                try fm.createDirectory(atPath: root + "/usr/lib/slipway/firstboot", withIntermediateDirectories: true)
                try embeddedConfig.write(
                    toFile: root + "/usr/lib/slipway/firstboot/default.ign", atomically: false, encoding: .utf8)
            }
            let mkfs = try runTool(
                ["mkfs.ext4", "-q", "-F", "-E", "offset=\(2048 * 512)", "-d", root, disk, "\(rootMiB)M"])
            #expect(mkfs.status == 0, "\(mkfs.stderr)")
            let state = try runTool(["mkfs.ext4", "-q", "-F", "-E", "offset=\(stateOffset)", disk, "16M"])
            #expect(state.status == 0, "\(state.stderr)")
            if let oemConfig {
                let files = scratch.file("oem")
                try fm.createDirectory(atPath: files, withIntermediateDirectories: true)
                try oemConfig.write(toFile: files + "/config.ign", atomically: false, encoding: .utf8)
                let mkfs = try runTool(["mkfs.ext4", "-q", "-F", "-E", "offset=\(oemOffset)", "-d", files, disk, "4M"])
                #expect(mkfs.status == 0, "\(mkfs.stderr)")
            }
        }

        /// Host programs and the shared libraries ldd lists for them, at the same paths in `root`.
        static func copyPrograms(_ programs: [String], into root: String) throws {
            var files = Set(programs)
            for program in programs {
                for line in try runTool(["ldd", program]).stdout.split(separator: "\n") {
                    let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                    if let arrow = fields.firstIndex(of: "=>"), arrow + 1 < fields.count,
                        fields[arrow + 1].hasPrefix("/")
                    {
                        files.insert(fields[arrow + 1])
                    } else if let first = fields.first, first.hasPrefix("/") {
                        files.insert(first)
                    }
                }
            }
            for file in files.sorted() {
                let target = root + file
                try FileManager.default.createDirectory(
                    atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                let copy = try runTool(["cp", "-L", file, target])
                #expect(copy.status == 0, "\(copy.stderr)")
            }
        }

        /// The host's systemd, its emergency shell and their libraries (from ldd), its unit files, and
        /// /sbin/init → /lib/systemd/systemd as Debian's systemd-sysv links it.
        static func installSystemd(into root: String) throws {
            try copyPrograms(
                ["/lib/systemd/systemd", "/lib/systemd/systemd-sulogin-shell", "/sbin/sulogin", "/bin/systemctl"],
                into: root)
            let units = try runTool(["cp", "-a", "/lib/systemd/system", root + "/lib/systemd/"])
            #expect(units.status == 0, "\(units.stderr)")
            try FileManager.default.createSymbolicLink(
                atPath: root + "/sbin/init", withDestinationPath: "/lib/systemd/systemd")
            try "ID=slipway-test\nPRETTY_NAME=\"slipway first-boot test\"\n".write(
                toFile: root + "/etc/os-release", atomically: false, encoding: .utf8)
        }
    }
}
