import Foundation
import TestSupport
import Testing

/// The default profile, built and booted as a user would, with one addition: a probe service that
/// runs after the health gate and reports on the console what the two-daemon design promises.
@Suite(.serialized) struct DockerHostBootTests {
    /// The probe: runs once the system said it is ready and its boot entry was blessed.
    static let probe = #"""
        #!/bin/sh
        say() { echo "probe: $*" > /dev/console; }
        sys() { docker -H unix:///run/system-docker.sock "$@"; }
        docker info >/dev/null 2>&1 && say "user daemon answers" || say "user daemon does not answer"
        sys info >/dev/null 2>&1 && say "system daemon answers" || say "system daemon does not answer"
        say "system containers before: $(sys ps --format '{{.Names}}' | sort | tr '\n' ' ')"
        say "hello image says: $(docker run --rm hello echo hello 2>&1)"
        while IFS=: read -r n x uid gid rest; do [ "$n" = core ] && say "core user: uid $uid gid $gid"; done < /etc/passwd
        [ -f /home/core/.ssh/authorized_keys ] && say "core keys: $(stat -c '%a %U' /home/core/.ssh/authorized_keys) $(cat /home/core/.ssh/authorized_keys)"
        [ -f /etc/slipway-test/secret ] && say "secret: $(stat -c '%a' /etc/slipway-test/secret) $(cat /etc/slipway-test/secret)"
        say "user containers: $(docker ps --format '{{.Names}}' | sort | tr '\n' ' ')"
        docker rm -f $(docker ps -aq) >/dev/null 2>&1
        docker system prune -af >/dev/null 2>&1
        say "user images after wiping: $(docker images -q | wc -l)"
        say "system containers after: $(sys ps --format '{{.Names}}' | sort | tr '\n' ' ')"
        if touch /.probe 2>/dev/null; then say "root write: allowed"; else say "root write: refused"; fi
        while read -r dev mnt type opts rest; do [ "$mnt" = / ] && say "root mount: $type ${opts%%,*}"; done < /proc/mounts
        say "boot entries: $(ls /efi/loader/entries 2>&1 | tr '\n' ' ')"
        say "done"
        """#

    static let unit = """
        [Unit]
        Description=Boot test probe
        After=slipway-ready.service systemd-bless-boot.service from-config.service
        Requires=slipway-ready.service

        [Service]
        Type=oneshot
        ExecStart=/usr/local/bin/slipway-probe

        [Install]
        WantedBy=multi-user.target
        """

    /// The probe image, built once per test run: (directory, image path).
    static let built: Result<(String, String), any Error> = Result {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-docker-host-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let profile = dir.appendingPathComponent("probe.yaml").path
        func block(_ text: String) -> String {
            text.split(separator: "\n").map { "            \($0)" }.joined(separator: "\n")
        }
        try """
        name: docker-host
        extends: \(packageRoot().appendingPathComponent("profiles/docker-host.yaml").path)
        root:
          layers:
            - files:
                - path: /usr/local/bin/slipway-probe
                  mode: "0755"
                  content: |
        \(block(probe))
                - path: /etc/systemd/system/slipway-probe.service
                  content: |
        \(block(unit))
        services:
          enable: [slipway-probe.service]
        """.write(toFile: profile, atomically: true, encoding: .utf8)
        let build = try runTool([try Fixtures.slipwayExecutable(), "build", profile, "--output", dir.path, "--quiet"])
        guard build.status == 0 else { throw FixtureError("slipway build failed: \(build.stderr)") }
        return (dir.path, dir.appendingPathComponent("docker-host.img").path)
    }

    /// Boots `image` until the probe is done; `extra` adds run options (--config, --persist).
    static func boot(_ image: String, _ extra: [String] = []) throws -> String {
        let run = try runTool(
            [try Fixtures.slipwayExecutable(), "run", image, "--expect", "probe: done", "--timeout", "420"] + extra)
        guard run.status == 0 else {
            throw FixtureError("no 'probe: done' (exit \(run.status)): \(run.stdout.suffix(4000))")
        }
        return run.stdout
    }

    /// The console of one boot of the probe image, shared by the checks below.
    static let console: Result<String, any Error> = Result { try boot(try built.get().1) }

    private func line(_ prefix: String, in console: String? = nil) throws -> String {
        let console = try console ?? Self.console.get()
        for text in console.split(whereSeparator: \.isNewline).reversed() {
            if let range = text.range(of: "probe: " + prefix) {
                return text[range.upperBound...].trimmingCharacters(in: .whitespaces)
            }
        }
        return "(no line for \(prefix))"
    }

    @Test func bothDaemonsAnswer() throws {
        #expect(try line("user daemon") == "answers")
        #expect(try line("system daemon") == "answers")
    }

    @Test func systemServiceRunsOnTheSystemDaemon() throws {
        #expect(try line("system containers before:") == "syslog")
    }

    @Test func preloadedImageRunsOnTheUserDaemon() throws {
        #expect(try line("hello image says:") == "hello")
    }

    @Test func wipingUserContainersLeavesSystemServices() throws {
        #expect(try line("user images after wiping:") == "0")
        #expect(try line("system containers after:") == "syslog")
    }

    @Test func rootIsReadOnly() throws {
        #expect(try line("root write:") == "refused")
        #expect(try line("root mount:") == "ext4 ro")
    }

    @Test func bootEntryWasBlessed() throws {
        // systemd-bless-boot drops the counter: slipway-a+3.conf (or +2-1) becomes slipway-a.conf.
        #expect(try line("boot entries:") == "slipway-a.conf")
    }

    @Test func readyLineComesAfterTheHealthGate() throws {
        let console = try Self.console.get()
        #expect(console.contains("slipway: ready (uptime"))
    }

    static let config = """
        {"ignition": {"version": "3.4.0"},
         "passwd": {"users": [{"name": "core", "sshAuthorizedKeys": ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPk test@slipway"]}]},
         "storage": {"files": [{"path": "/etc/slipway-test/secret", "mode": 384, "contents": {"source": "data:,s3cret"}}]},
         "systemd": {"units": [{"name": "from-config.service", "enabled": true, "contents":
           "[Unit]\\nAfter=docker.service slipway-preload.service\\nRequires=docker.service slipway-preload.service\\n[Service]\\nType=oneshot\\nRemainAfterExit=yes\\nExecStart=/usr/bin/docker run -d --name from-config hello /bin/busybox sleep 3600\\n[Install]\\nWantedBy=multi-user.target\\n"}]}}
        """

    /// `slipway run --config` on the docker-host image: the user with its key and the file are
    /// there on the first boot, before the system's services start, and the config's unit runs.
    @Test func firstBootConfigIsAppliedOnTheDockerHost() throws {
        let (_, image) = try Self.built.get()
        let scratch = try TemporaryDirectory()
        let config = scratch.file("config.ign")
        try Self.config.write(toFile: config, atomically: true, encoding: .utf8)
        let console = try Self.boot(image, ["--config", config])
        #expect(console.contains("first boot: config from qemu fw_cfg opt/com.coreos/config"))
        #expect(try line("core user:", in: console) == "uid 1000 gid 1000")
        #expect(try line("core keys:", in: console) == "600 core ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPk test@slipway")
        #expect(try line("secret:", in: console) == "600 s3cret")
        // A unit from the config runs a container on the user daemon on that same first boot.
        #expect(try line("user containers:", in: console).contains("from-config"))
    }
}
