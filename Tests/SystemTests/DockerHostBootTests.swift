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
        After=slipway-ready.service systemd-bless-boot.service
        Requires=slipway-ready.service

        [Service]
        Type=oneshot
        ExecStart=/usr/local/bin/slipway-probe

        [Install]
        WantedBy=multi-user.target
        """

    static let console: Result<String, any Error> = Result {
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
        let slipway = try Fixtures.slipwayExecutable()
        let build = try runTool([slipway, "build", profile, "--output", dir.path, "--quiet"])
        guard build.status == 0 else { throw FixtureError("slipway build failed: \(build.stderr)") }
        let run = try runTool([
            slipway, "run", dir.appendingPathComponent("docker-host.img").path, "--expect", "probe: done",
            "--timeout", "900",
        ])
        guard run.status == 0 else {
            throw FixtureError("no 'probe: done' (exit \(run.status)): \(run.stdout.suffix(4000))")
        }
        return run.stdout
    }

    private func line(_ prefix: String) throws -> String {
        let console = try Self.console.get()
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
}
