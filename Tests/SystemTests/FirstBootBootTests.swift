import Foundation
import TestSupport
import Testing

/// First boot in the initrd, under QEMU (TCG) with the real Debian cloud kernel: a config handed over
/// by fw_cfg, the OEM partition, the kernel command line or a fake EC2 metadata service is applied
/// once, before the root's init runs; a bad one stops the boot with a clear console error (and
/// systemd in emergency.target). The root's init (a busybox script, or the host's systemd) prints
/// what the config produced; STATE is read afterwards with debugfs.
@Suite(.serialized) struct FirstBootBootTests {
    static let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHNsaXB3YXktZmlyc3Rib290LXRlc3Qta2V5 core@test"

    /// The root's /sbin/init: prints what the first-boot config did, then powers off.
    static let rootInit = """
        #!/bin/sh
        echo "root: file $(stat -c '%a %u:%g' /etc/motd.d/hello) $(cat /etc/motd.d/hello)"
        echo "root: passwd $(grep '^core:' /etc/passwd)"
        echo "root: keys $(stat -c '%a %U' /home/core/.ssh/authorized_keys.d/ignition) $(cat /home/core/.ssh/authorized_keys.d/ignition)"
        echo "root: second config $(cat /etc/second 2>/dev/null || echo absent)"
        echo "slipway: ready"
        /bin/busybox poweroff -f

        """

    @Test func appliesTheFwCfgConfigOnceAndNotAgain() throws {
        let scratch = try TemporaryDirectory("firstboot-fwcfg")
        let machine = try Machine(scratch)
        let content = "hello from fw_cfg\n"
        let hash = try Self.sha256(Data(content.utf8))
        let config = scratch.file("config.ign")
        try Self.write(
            config,
            """
            {"ignition": {"version": "3.4.0"},
             "storage": {"files": [{"path": "/etc/motd.d/hello", "mode": 416,
               "contents": {"source": "data:,hello%20from%20fw_cfg%0A", "verification": {"hash": "sha256-\(hash)"}}}]},
             "passwd": {"users": [{"name": "core", "sshAuthorizedKeys": ["\(Self.key)"]}]},
             "kernelArguments": {"shouldExist": ["slipway.timeout=20"], "shouldNotExist": ["debug"]}}
            """)
        let boot = try machine.boot("first", fwCfg: config)
        print("first boot, \(String(format: "%.1f", boot.seconds)) s:\n" + boot.initrdLines.joined(separator: "\n"))
        #expect(boot.printed("slipway: ready"))
        let digest = "sha256-" + (try Self.sha256(try Data(contentsOf: URL(fileURLWithPath: config))))
        for step in [
            "first boot: platform qemu (detected)",
            "first boot: config from qemu fw_cfg opt/com.coreos/config: \(try Self.size(config)) bytes, "
                + "\(digest.prefix(19))…",
            "first boot: config valid (spec 3.4.0, 0 warnings)",
            // The command line has them already: no boot entry is looked for (this disk has no ESP).
            "first boot: kernel arguments already satisfied by the command line (add [slipway.timeout=20] "
                + "remove [debug]); nothing to change",
            "first boot: recorded in /etc/.slipway-firstboot.json",
        ] {
            #expect(boot.initrdSteps.contains(step), "missing \(step)")
        }
        #expect(boot.initrdSteps.contains { $0.hasPrefix("first boot: applied in ") })
        #expect(boot.printed("root: file 640 0:0 hello from fw_cfg"))
        #expect(boot.printed("root: passwd core:x:1000:1000::/home/core:/bin/bash"))
        #expect(boot.printed("root: keys 600 core \(Self.key)"))
        #expect(boot.printed("root: second config absent"))
        #expect(boot.initrdErrors.isEmpty, "\(boot)")

        // The record, read from STATE's /etc overlay with debugfs.
        let record = try machine.stateFile("/etc-upper/.slipway-firstboot.json")
        #expect(record.contains("\"outcome\": \"applied\""), "\(record)")
        #expect(record.contains("\"source\": \"qemu fw_cfg opt/com.coreos/config\""))
        #expect(record.contains("\"digest\": \"\(digest)\""))
        #expect(record.contains("\"shouldExist\": [\n      \"slipway.timeout=20\"\n    ]"), "\(record)")
        let kargs = try machine.stateFile("/etc-upper/.slipway-kargs.json")
        #expect(kargs.contains("\"slipway.timeout=20\"") && kargs.contains("\"debug\""), "\(kargs)")

        // The second boot of the same disk, with another config on fw_cfg: skipped, nothing changes.
        let changed = scratch.file("changed.ign")
        try Self.write(
            changed,
            """
            {"ignition": {"version": "3.4.0"}, "storage": {"files": [
              {"path": "/etc/second", "contents": {"source": "data:,applied"}},
              {"path": "/etc/motd.d/hello", "overwrite": true, "contents": {"source": "data:,changed"}}]}}
            """)
        let again = try machine.boot("second", fwCfg: changed)
        print("second boot:\n" + again.initrdLines.joined(separator: "\n"))
        #expect(again.printed("slipway: ready"))
        #expect(
            again.initrdSteps.contains {
                $0.hasPrefix("first-boot config applied on ")
                    && $0.hasSuffix(
                        " from qemu fw_cfg opt/com.coreos/config; not run again")
            }, "\(again.initrdLines)")
        #expect(!again.initrdSteps.contains { $0.hasPrefix("first boot:") })
        #expect(again.printed("root: file 640 0:0 hello from fw_cfg"))
        #expect(again.printed("root: second config absent"))
        #expect(try machine.stateFile("/etc-upper/.slipway-firstboot.json") == record)
    }

    @Test func aFailedFirstBootStopsTheBootAndIsTriedAgain() throws {
        let scratch = try TemporaryDirectory("firstboot-failure")
        // A root that starts the host's systemd (252): it must come up in emergency.target.
        let machine = try Machine(scratch, systemd: true)
        let wrong = String(repeating: "0", count: 64)
        // This time the config comes from the kernel command line, as a base64 data: URL.
        let config = Data(
            """
            {"ignition": {"version": "3.4.0"},
             "storage": {"files": [{"path": "/etc/motd.d/hello",
               "contents": {"source": "data:,tampered", "verification": {"hash": "sha256-\(wrong)"}}}]},
             "passwd": {"users": [{"name": "core"}]}}
            """.utf8)
        let url = "data:;base64," + config.base64EncodedString()
        let source = "kernel command line slipway.config.url (a data: URL)"
        let boot = try machine.boot(
            "bad-hash", extraAppend: "slipway.config.url=\(url)", until: "Reached target emergency.target")
        print("bad hash, systemd root:\n" + boot.initrdLines.joined(separator: "\n"))
        let actual = try Self.sha256(Data("tampered".utf8))
        let failure =
            "first boot failed: \(source): $.storage.files.0 (/etc/motd.d/hello): verify: data:,tampered: "
            + "sha256 is \(actual), the config expects \(wrong); the resource changed or the hash is wrong"
        #expect(boot.printed("slipway-initrd: " + failure + "\r\n"))
        #expect(
            boot.initrdSteps.contains(
                "first boot failed: starting the system in emergency.target, its services stay stopped"))
        #expect(boot.initrdSteps.contains("switching root: exec /sbin/init --unit=emergency.target"))
        #expect(boot.printed("systemd[1]: Queued start job for default target emergency.target."))
        #expect(boot.printed("Reached target emergency.target"))

        // Nothing of the config was applied (no user, no file); the failure is recorded.
        try machine.replayStateJournal()
        let listing = try runTool(["debugfs", "-R", "ls -p /etc-upper", machine.stateImage])
        let upper = listing.stdout
        // debugfs's stderr says why when it could not read STATE (seen once, under load, in a full run).
        #expect(upper.contains("/.slipway-firstboot.json/"), "\(upper)\(listing.stderr)\n\(boot)")
        #expect(!upper.contains("/motd.d/") && !upper.contains("/passwd/"), "\(upper)")
        let record = try machine.stateFile("/etc-upper/.slipway-firstboot.json")
        #expect(record.contains("\"outcome\": \"failed\""), "\(record)")
        #expect(record.contains("\"error\": \"\(failure)\""), "\(record)")

        // The next boot tries again, with a config that writes to the read-only root slot: refused
        // before anything is written. The root's init is now a busybox script, which is not run:
        // the initrd stops in its rescue shell.
        let script = scratch.file("init")
        try Self.write(script, Self.rootInit)
        let edit = try runTool(
            ["debugfs", "-w", "-f", "-", machine.rootImage],
            input: Data("rm /sbin/init\nwrite \(script) /sbin/init\nsif /sbin/init mode 0100755\n".utf8))
        #expect(edit.status == 0, "\(edit.stdout)\(edit.stderr)")
        let readOnly = Data(
            """
            {"ignition": {"version": "3.4.0"}, "storage": {"files": [
              {"path": "/etc/fine", "contents": {"source": "data:,fine"}},
              {"path": "/usr/local/bin/tool", "mode": 493, "contents": {"source": "data:,echo"}}]}}
            """.utf8)
        let again = try machine.boot(
            "read-only", extraAppend: "slipway.config.url=data:;base64,\(readOnly.base64EncodedString())",
            until: "starting rescue shell")
        print("read-only root, busybox root:\n" + again.initrdLines.joined(separator: "\n"))
        #expect(
            again.initrdSteps.contains {
                $0.hasPrefix("first boot: the attempt of ") && $0.hasSuffix(" failed; trying again")
            },
            "\(again.initrdLines)")
        #expect(
            again.printed(
                "slipway-initrd: first boot failed: \(source): $.storage.files.1 (/usr/local/bin/tool): write: "
                    + "/usr/local/bin/tool is on the image's read-only root; first-boot configs can write below /etc, "
                    + "/var and /home (put the rest in the image's profile)\r\n"))
        #expect(again.initrdSteps.contains { $0.hasPrefix("starting rescue shell /bin/sh") })
        #expect(!again.printed("switching root"))
        #expect(!again.printed("slipway: ready"))
        try machine.replayStateJournal()
        let after = try runTool(["debugfs", "-R", "ls -p /etc-upper", machine.stateImage]).stdout
        #expect(!after.contains("/fine/"), "\(after)")
    }

    @Test func aUnitFromTheConfigRunsOnTheFirstBoot() throws {
        let scratch = try TemporaryDirectory("firstboot-unit")
        let machine = try Machine(scratch, systemd: true)
        let unit = """
            [Unit]
            Description=Says hello on the console

            [Service]
            Type=oneshot
            ExecStart=/bin/sh -c 'echo "unit from the config ran: $(cat /etc/motd.d/hello)" > /dev/console'

            [Install]
            WantedBy=multi-user.target
            """
        let config = scratch.file("unit.ign")
        try Self.write(
            config,
            """
            {"ignition": {"version": "3.4.0"},
             "storage": {"files": [{"path": "/etc/motd.d/hello", "contents": {"source": "data:,hello"}}]},
             "systemd": {"units": [{"name": "hello.service", "enabled": true,
               "contents": \(try Self.jsonString(unit))}]}}
            """)
        let boot = try machine.boot("unit", fwCfg: config, until: "unit from the config ran")
        print("unit boot, \(String(format: "%.1f", boot.seconds)) s:\n" + boot.initrdLines.joined(separator: "\n"))
        #expect(
            boot.initrdSteps.contains {
                $0.hasPrefix("first boot: applied in ")
                    && $0.contains("/etc/systemd/system/multi-user.target.wants/hello.service")
            }, "\(boot.initrdLines)")
        #expect(boot.printed("unit from the config ran: hello"))
    }

    @Test func takesTheOEMPartitionsConfigBeforeTheEmbeddedDefault() throws {
        let scratch = try TemporaryDirectory("firstboot-oem")
        let oem = """
            {"ignition": {"version": "3.0.0"}, "storage": {"files": [{"path": "/etc/motd.d/hello", "mode": 384,
              "contents": {"source": "data:,from%20the%20OEM%20partition"}}]}}
            """
        let embedded = """
            {"ignition": {"version": "3.4.0"}, "storage": {"files": [{"path": "/etc/second",
              "contents": {"source": "data:,from%20the%20default"}}]}}
            """
        let machine = try Machine(scratch, oemConfig: oem, embeddedConfig: embedded)
        let boot = try machine.boot("oem")
        print("OEM boot:\n" + boot.initrdLines.joined(separator: "\n"))
        #expect(boot.printed("slipway: ready"))
        #expect(
            boot.initrdSteps.contains {
                $0.hasPrefix("first boot: config from OEM partition PARTLABEL=OEM /config.ign: \(oem.utf8.count) bytes")
            }, "\(boot.initrdLines)")
        #expect(boot.initrdSteps.contains("first boot: config valid (spec 3.0.0, 0 warnings)"))
        #expect(boot.printed("root: file 600 0:0 from the OEM partition"))
        #expect(boot.printed("root: second config absent"))
        // The OEM partition is unmounted before the switch, after the record is written.
        let unmounted = boot.initrdSteps.firstIndex(of: "first boot: unmounted /oem")
        #expect(
            unmounted.map { $0 > (boot.initrdSteps.firstIndex { $0.hasPrefix("first boot: recorded") } ?? 99) } == true)
    }

    /// Without fw_cfg, OEM, kernel command line or metadata, the config embedded in the image applies.
    @Test func appliesTheEmbeddedDefaultWhenNoOtherSourceHasAConfig() throws {
        let scratch = try TemporaryDirectory("firstboot-default")
        let embedded = """
            {"ignition": {"version": "3.4.0"}, "storage": {"files": [{"path": "/etc/second",
              "contents": {"source": "data:,from%20the%20default"}}]}}
            """
        let machine = try Machine(scratch, embeddedConfig: embedded)
        let boot = try machine.boot("default")
        print("embedded default boot:\n" + boot.initrdLines.joined(separator: "\n"))
        #expect(boot.printed("slipway: ready"))
        #expect(
            boot.initrdSteps.contains(
                "first boot: OEM partition PARTLABEL=OEM /config.ign: none (no partition labelled OEM)"))
        #expect(
            boot.initrdSteps.contains {
                $0.hasPrefix(
                    "first boot: config from embedded default /usr/lib/slipway/firstboot/default.ign: "
                        + "\(embedded.utf8.count) bytes")
            }, "\(boot.initrdLines)")
        #expect(boot.printed("root: second config from the default"))
    }

    @Test func readsTheOpenStackConfigDrive() throws {
        let scratch = try TemporaryDirectory("firstboot-configdrive")
        // vfat asks for its code page and character set modules, which the initrd cannot load on demand.
        let machine = try Machine(scratch, extraModules: ["vfat", "nls_cp437", "nls_ascii"])
        let userData = scratch.file("user_data")
        try Self.write(
            userData,
            """
            {"ignition": {"version": "3.2.0"}, "storage": {"files": [{"path": "/etc/motd.d/hello", "mode": 420,
              "contents": {"source": "data:,from%20the%20config%20drive"}}]}}
            """)
        let drive = scratch.file("config-drive.img")
        let mtools = ["MTOOLS_SKIP_CHECK": "1"]
        for command in [
            ["mkfs.vfat", "-n", "config-2", "-C", drive, "4096"],
            ["mmd", "-i", drive, "::/openstack", "::/openstack/latest"],
            ["mcopy", "-i", drive, userData, "::/openstack/latest/user_data"],
        ] {
            let result = try runTool(command, environment: mtools)
            #expect(result.status == 0, "\(command): \(result.stderr)")
        }
        let boot = try machine.boot(
            "configdrive", extraAppend: "slipway.platform=openstack",
            extraArguments: ["-drive", "file=\(drive),format=raw,if=virtio,readonly=on"])
        print("config drive boot:\n" + boot.initrdLines.joined(separator: "\n"))
        #expect(boot.printed("slipway: ready"))
        #expect(boot.initrdSteps.contains("first boot: platform openstack (slipway.platform=openstack)"))
        #expect(
            boot.initrdSteps.contains {
                $0.hasPrefix("first boot: config from OpenStack config drive openstack/latest/user_data: ")
            }, "\(boot.initrdLines)")
        #expect(boot.initrdSteps.contains("first boot: unmounted /config-drive"))
        #expect(!boot.initrdSteps.contains { $0.hasPrefix("network:") })
        #expect(boot.printed("root: file 644 0:0 from the config drive"))
    }

    @Test func fetchesTheConfigFromEC2Metadata() throws {
        let scratch = try TemporaryDirectory("firstboot-ec2")
        let machine = try Machine(scratch)
        let motd = "hello from the metadata service\n"
        let hash = try Self.sha256(Data(motd.utf8))
        let server = try TestHTTPServer { request, port in
            switch (request.method, request.path) {
            case ("PUT", "/latest/api/token"):
                return request.headers["x-aws-ec2-metadata-token-ttl-seconds"] == nil
                    ? .status(400) : .status(200, "token-1")
            case ("GET", "/latest/user-data"):
                guard request.headers["x-aws-ec2-metadata-token"] == "token-1" else { return .status(401) }
                // The file comes from the same server through QEMU's host address in the guest network.
                return .status(
                    200,
                    """
                    {"ignition": {"version": "3.4.0"},
                     "storage": {"files": [{"path": "/etc/motd.d/hello", "mode": 416, "contents": {
                       "source": "http://169.254.169.2:\(port)/motd", "verification": {"hash": "sha256-\(hash)"}}}]},
                     "passwd": {"users": [{"name": "core", "sshAuthorizedKeys": ["\(Self.key)"]}]}}
                    """
                )
            case ("GET", "/motd"): return .status(200, motd)
            default: return .status(404)
            }
        }
        let boot = try machine.boot("ec2", platform: "aws", metadataService: server)
        print("EC2 boot, \(String(format: "%.1f", boot.seconds)) s:\n" + boot.initrdLines.joined(separator: "\n"))
        #expect(boot.printed("slipway: ready"))
        #expect(boot.initrdSteps.contains("first boot: platform ec2 (slipway.platform=aws)"))
        #expect(
            boot.initrdSteps.contains {
                $0.hasPrefix("network: eth0 up: 169.254.169.15/24 via 169.254.169.2 (DHCP from 169.254.169.2")
            }, "\(boot.initrdLines)")
        #expect(
            boot.initrdSteps.contains {
                $0.hasPrefix("first boot: config from EC2 instance metadata (IMDSv2) user-data: ")
            })
        #expect(boot.initrdSteps.contains("network: eth0 released 169.254.169.15 and is down"))
        #expect(boot.printed("root: file 640 0:0 hello from the metadata service"))
        #expect(boot.printed("root: keys 600 core \(Self.key)"))
        #expect(
            server.requests.map { "\($0.method) \($0.path)" } == [
                "PUT /latest/api/token", "GET /latest/user-data", "GET /motd",
            ])
    }

    @Test func kernelArgumentsWithoutABootEntryFailTheFirstBoot() throws {
        let scratch = try TemporaryDirectory("firstboot-kargs-no-esp")
        let machine = try Machine(scratch)
        let config = scratch.file("kargs.ign")
        try Self.write(
            config,
            """
            {"ignition": {"version": "3.4.0"},
             "storage": {"files": [{"path": "/etc/motd.d/hello", "contents": {"source": "data:,hello"}}]},
             "kernelArguments": {"shouldExist": ["quiet"]}}
            """)
        // A direct kernel boot: the command line comes from QEMU, and the disk has no ESP to change it on.
        let boot = try machine.boot("kargs", fwCfg: config, until: "starting rescue shell")
        print("kernel arguments without an ESP:\n" + boot.initrdLines.joined(separator: "\n"))
        let failure =
            "first boot failed: kernel arguments: PARTLABEL=ESP: no partition named ESP on vda, the root's disk "
            + "(partitions: vda1 (partition 1 \"ROOT-A\"), vda2 (partition 2 \"STATE\")); the kernel arguments "
            + "need the boot entry on the ESP (boot the image through UEFI)"
        #expect(boot.printed("slipway-initrd: " + failure + "\r\n"), "\(boot.initrdLines)")
        #expect(!boot.printed("switching root"))
        let record = try machine.stateFile("/etc-upper/.slipway-firstboot.json")
        #expect(record.contains("\"outcome\": \"failed\""), "\(record)")
        #expect(record.contains("\"error\": \"\(failure.replacingOccurrences(of: "\"", with: "\\\""))\""), "\(record)")
    }

    @Test func fetchesTheConfigFromGCEMetadata() throws {
        let scratch = try TemporaryDirectory("firstboot-gce")
        let machine = try Machine(scratch)
        let server = try TestHTTPServer { request in
            switch (request.method, request.path) {
            case ("GET", "/computeMetadata/v1/instance/attributes/user-data"):
                // The real service refuses requests without the header, so a client must send it.
                guard request.headers["metadata-flavor"] == "Google" else { return .status(403) }
                return .status(
                    200,
                    """
                    {"ignition": {"version": "3.4.0"},
                     "storage": {"files": [{"path": "/etc/motd.d/hello", "mode": 420,
                       "contents": {"source": "data:,hello%20from%20GCE%20metadata"}}]},
                     "passwd": {"users": [{"name": "core", "sshAuthorizedKeys": ["\(Self.key)"]}]}}
                    """
                )
            default: return .status(404)
            }
        }
        let boot = try machine.boot("gce", platform: "gcp", metadataService: server)
        print("GCE boot, \(String(format: "%.1f", boot.seconds)) s:\n" + boot.initrdLines.joined(separator: "\n"))
        #expect(boot.printed("slipway: ready"))
        #expect(boot.initrdSteps.contains("first boot: platform gce (slipway.platform=gcp)"))
        #expect(
            boot.initrdSteps.contains {
                $0.hasPrefix("first boot: config from GCE metadata instance/attributes/user-data: ")
            }, "\(boot.initrdLines)")
        #expect(boot.initrdSteps.contains("network: eth0 released 169.254.169.15 and is down"))
        #expect(boot.printed("root: file 644 0:0 hello from GCE metadata"))
        #expect(boot.printed("root: keys 600 core \(Self.key)"))
        #expect(boot.initrdErrors.isEmpty, "\(boot)")
        let requests = server.requests
        #expect(
            requests.map { "\($0.method) \($0.path)" } == ["GET /computeMetadata/v1/instance/attributes/user-data"])
        #expect(requests.first?.headers["metadata-flavor"] == "Google")
        #expect(requests.first?.headers["host"] == "169.254.169.254")
    }

    /// OpenStack without a config drive: the metadata service at 169.254.169.254 gives the config.
    @Test func fetchesTheConfigFromTheOpenStackMetadataService() throws {
        let scratch = try TemporaryDirectory("firstboot-openstack")
        let machine = try Machine(scratch)
        let server = try TestHTTPServer { request in
            guard request.method == "GET", request.path == "/openstack/latest/user_data" else { return .status(404) }
            return .ok(
                """
                {"ignition": {"version": "3.4.0"}, "storage": {"files": [{"path": "/etc/motd.d/hello", "mode": 420,
                  "contents": {"source": "data:,hello%20from%20the%20OpenStack%20metadata%20service"}}]}}
                """)
        }
        let boot = try machine.boot("openstack", platform: "openstack", metadataService: server)
        print("OpenStack metadata boot:\n" + boot.initrdLines.joined(separator: "\n"))
        #expect(boot.printed("slipway: ready"))
        #expect(boot.initrdSteps.contains("first boot: platform openstack (slipway.platform=openstack)"))
        #expect(
            boot.initrdSteps.contains {
                $0.hasPrefix("first boot: config from OpenStack metadata service openstack/latest/user_data: ")
            }, "\(boot.initrdLines)")
        #expect(boot.printed("root: file 644 0:0 hello from the OpenStack metadata service"))
        #expect(server.requests.map { "\($0.method) \($0.path)" } == ["GET /openstack/latest/user_data"])
    }

    /// An extra disk (/dev/vdb) partitioned, formatted and written into by the config; a config that
    /// names the boot disk is refused first, without touching any disk.
    @Test func partitionsAndFormatsAnExtraDisk() throws {
        let scratch = try TemporaryDirectory("firstboot-storage")
        // The busybox root gets the host's mke2fs: first boot formats with the image's own tools.
        let machine = try Machine(scratch, rootPrograms: ["/usr/sbin/mke2fs", "/usr/sbin/mkswap"])
        let extra = scratch.file("extra.img")
        #expect(try runTool(["truncate", "-s", "64M", extra]).status == 0)
        let drives = ["-drive", "file=\(extra),format=raw,if=virtio"]
        let source = "qemu fw_cfg opt/com.coreos/config"

        let bootDisk = scratch.file("boot-disk.ign")
        try Self.write(
            bootDisk,
            """
            {"ignition": {"version": "3.4.0"}, "storage": {"disks": [{"device": "/dev/vda",
              "partitions": [{"label": "mine", "sizeMiB": 1}]}]}}
            """)
        let refused = try machine.boot(
            "boot-disk", fwCfg: bootDisk, extraArguments: drives, until: "starting rescue shell")
        print("boot disk named, refused:\n" + refused.initrdLines.joined(separator: "\n"))
        #expect(
            refused.printed(
                "slipway-initrd: first boot failed: \(source): $.storage.disks.0 (/dev/vda): set up storage: /dev/vda "
                    + "is the disk the system boots from (it holds the root slot and STATE); first-boot configs "
                    + "partition extra disks only\r\n"))
        // The boot disk keeps its two partitions (STATE grew into the disk's free end, as on every first boot).
        let tableAfter = try runTool(["sfdisk", "--json", machine.disk]).stdout
        #expect(
            !tableAfter.contains("mine") && tableAfter.components(separatedBy: "\"node\"").count == 3, "\(tableAfter)")

        let config = scratch.file("storage.ign")
        try Self.write(
            config,
            """
            {"ignition": {"version": "3.4.0"},
             "storage": {
               "disks": [{"device": "/dev/vdb", "wipeTable": true, "partitions": [
                 {"label": "data", "number": 1, "sizeMiB": 32},
                 {"label": "scratch", "sizeMiB": 0, "typeGuid": "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F"}]}],
               "filesystems": [{"device": "/dev/disk/by-partlabel/data", "format": "ext4", "label": "DATA",
                 "path": "/var/lib/data"},
                 {"device": "/dev/disk/by-partlabel/scratch", "format": "swap", "label": "SCRATCH"}],
               "files": [{"path": "/var/lib/data/hello.txt", "mode": 420,
                 "contents": {"source": "data:,hello%20from%20the%20extra%20disk%0A"}}]}}
            """)
        let boot = try machine.boot("storage", fwCfg: config, extraArguments: drives)
        print("extra disk, \(String(format: "%.1f", boot.seconds)) s:\n" + boot.initrdLines.joined(separator: "\n"))
        #expect(boot.printed("slipway: ready"))
        for step in [
            "first boot: /dev/vdb: wrote a new GPT: created 1 \"data\", created 2 \"scratch\"",
            "first boot: /dev/vdb1: made ext4 \"DATA\" with /usr/sbin/mke2fs",
            "first boot: /dev/vdb2: made swap \"SCRATCH\" with /usr/sbin/mkswap",
            "first boot: mounted /dev/vdb1 on /var/lib/data for the apply",
            "first boot: unmounted /sysroot/var/lib/data",
        ] {
            #expect(boot.initrdSteps.contains(step), "\(step)\n\(boot.initrdLines.joined(separator: "\n"))")
        }

        // The extra disk, read by independent tools.
        let verify = try runTool(["sgdisk", "-v", extra])
        #expect(verify.stdout.contains("No problems found"), "\(verify.stdout)")
        let table = try JSONSerialization.jsonObject(with: Data(try runTool(["sfdisk", "--json", extra]).stdout.utf8))
        let partitions = ((table as? [String: Any])?["partitiontable"] as? [String: Any])?["partitions"]
        let summary = (partitions as? [[String: Any]] ?? []).map {
            "\($0["start"] ?? "") \($0["size"] ?? "") \($0["type"] ?? "") \($0["name"] ?? "")"
        }
        #expect(
            summary == [
                "2048 65536 0FC63DAF-8483-4772-8E79-3D69D8477DE4 data",
                "67584 63455 0657FD6D-A4AB-43C4-84E5-0933C84B4F4F scratch",
            ])
        let data = scratch.file("data.ext4")
        #expect(try runTool(["dd", "if=\(extra)", "of=\(data)", "bs=1M", "skip=1", "count=32"]).status == 0)
        let fsck = try runTool(["e2fsck", "-fn", data])
        #expect(fsck.status == 0, "\(fsck.stdout)\(fsck.stderr)")
        #expect(try runTool(["dumpe2fs", "-h", data]).stdout.contains("Filesystem volume name:   DATA"))
        #expect(try runTool(["debugfs", "-R", "cat /hello.txt", data]).stdout == "hello from the extra disk\n")
        #expect(try runTool(["debugfs", "-R", "stat /hello.txt", data]).stdout.contains("Mode:  0644"))
        let swap = scratch.file("scratch.swap")
        #expect(try runTool(["dd", "if=\(extra)", "of=\(swap)", "bs=1M", "skip=33"]).status == 0)
        let probe = try runTool(["blkid", "-p", "-o", "export", swap]).stdout
        #expect(probe.contains("TYPE=swap") && probe.contains("LABEL=SCRATCH"), "\(probe)")
        // The mount point stays in /var (on STATE) for the system's own mount unit.
        try machine.replayStateJournal()
        let varLib = try runTool(["debugfs", "-R", "ls -p /var/lib", machine.stateImage]).stdout
        #expect(varLib.contains("/data/"), "\(varLib)")
    }

    // MARK: - Fixtures

    static func write(_ path: String, _ text: String) throws {
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    /// `text` as a JSON string literal.
    static func jsonString(_ text: String) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: [text]), as: UTF8.self).dropFirst().dropLast()
            .description
    }

    static func size(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
    }

    /// sha256sum(1), as an independent digest.
    static func sha256(_ data: Data) throws -> String {
        let result = try runTool(["sha256sum"], input: data)
        return String(result.stdout.prefix(64))
    }
}

extension QEMU {
    /// The initrd's log lines without the prefix and uptime: "first boot: config valid (…)". A kernel
    /// message the console interleaved at the end of a line ("…target[    3.907655] Not …") is cut off.
    var initrdSteps: [String] {
        initrdLines.map { line in
            guard let close = line.firstIndex(of: "]") else { return line }
            let step = line[line.index(close, offsetBy: 2)...]
            if let kernel = step.range(of: #"\[\s*\d+\.\d+\]"#, options: .regularExpression) {
                return String(step[..<kernel.lowerBound])
            }
            return String(step)
        }
    }
}
