import Foundation
import Runner
import TestSupport
import Testing

/// Updates on a running docker-host, booted under TCG (each boot about 60–90 s):
///
/// - v1 fetches v2 over https from `openssl s_server` on the host's loopback (reached as 10.0.2.2
///   through QEMU's user network; the server's CA is in v1's system bundle), applies it and
///   reboots; v2 boots from slot B and is blessed; the user, its SSH key, a file of the config and a
///   user container's volume are all still there; `slipway-update rollback` then returns to v1.
/// - v2 whose health gate fails (a unit it waits for fails): the gate records why and reboots; after
///   its two tries the machine is back on v1, whose `slipway-update status` names v2 and the reason.
@Suite(.serialized) struct DockerHostUpdateBootTests {
    struct Built {
        var directory: String
        var image: String { directory + "/out-v1/docker-host.img" }
        func payload(_ name: String) -> String { directory + "/out-\(name)/docker-host.update" }
        var authority: TestCertificateAuthority
    }

    /// Prints `slipway-update status` on the console after the gate, on every boot (no sed in the root).
    static let probe = """
        [Unit]
        After=slipway-ready.service systemd-bless-boot.service
        Wants=slipway-ready.service
        [Service]
        Type=oneshot
        ExecStart=/bin/sh -c 'slipway-update status 2>&1 | while IFS= read -r l; do echo "probe: $l"; done > /dev/console; slipway-update status --json > /run/slipway-test-status.json; echo "probe: json $(tr -d "\\n" < /run/slipway-test-status.json)" > /dev/console; echo "probe: done" > /dev/console'
        [Install]
        WantedBy=multi-user.target
        """

    static let built: Result<Built, any Error> = Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-dh-update-\(getpid())")
            .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let slipway = try Fixtures.slipwayExecutable()
        let keys = try runTool([slipway, "keys", "generate", directory + "/keys"])
        guard keys.status == 0 else { throw FixtureError("keys generate: \(keys.stderr)") }
        let authority = try TestCertificateAuthority(in: directory)
        let dockerHost = packageRoot().appendingPathComponent("profiles/docker-host.yaml").path
        func indented(_ text: String, by spaces: Int) -> String {
            text.split(separator: "\n", omittingEmptySubsequences: false).map {
                String(repeating: " ", count: spaces) + $0
            }
            .joined(separator: "\n")
        }
        func profile(_ name: String, version: String, extra: String = "") throws {
            try """
            name: docker-host
            extends: \(dockerHost)
            version: "\(version)"
            update:
              keys: [keys/update.pub]
              tries: 2
            root:
              layers:
                - files:
                    - path: /usr/share/ca-certificates/slipway-test/ca.crt
                      content: |
            \(indented(authority.certificatePEM.trimmingCharacters(in: .newlines), by: 12))
                    - path: /etc/systemd/system/slipway-test-probe.service
                      content: |
            \(indented(probe, by: 12))
            \(extra)
            services:
              enable: [slipway-test-probe.service]
            """.write(toFile: "\(directory)/\(name).yaml", atomically: true, encoding: .utf8)
        }
        try profile("v1", version: "1.0.0")
        try profile("v2", version: "2.0.0")
        // A unit that fails, which v2-badgate's health gate waits for.
        try profile(
            "v2-badgate", version: "2.0.1",
            extra: """
                        - path: /etc/systemd/system/slipway-test-broken.service
                          content: |
                            [Service]
                            Type=oneshot
                            ExecStart=/bin/false
                            [Install]
                            WantedBy=multi-user.target
                health:
                  units: [slipway-test-broken.service]
                """)
        // The extra services of v2-badgate must be enabled too.
        let badgate = try String(contentsOfFile: "\(directory)/v2-badgate.yaml", encoding: .utf8)
            .replacingOccurrences(
                of: "enable: [slipway-test-probe.service]",
                with: "enable: [slipway-test-probe.service, slipway-test-broken.service]")
        try badgate.write(toFile: "\(directory)/v2-badgate.yaml", atomically: true, encoding: .utf8)
        for (name, signed) in [("v1", false), ("v2", true), ("v2-badgate", true)] {
            var arguments = [
                slipway, "build", "\(directory)/\(name).yaml", "--output", "\(directory)/out-\(name)", "--quiet",
            ]
            if signed { arguments += ["--signing-key", "\(directory)/keys/update.key"] }
            let build = try runTool(arguments)
            guard build.status == 0 else { throw FixtureError("slipway build \(name): \(build.stderr)") }
        }
        return Built(directory: directory, authority: authority)
    }

    /// The first-boot config: core with `key`; the update URL; a user volume with a file; a root
    /// unit that applies the URL's payload and reboots (once); and one that rolls back and reboots
    /// when core touches /tmp/slipway-test-rollback.
    static func config(key: String, url: String) -> String {
        let units: [[String: Any]] = [
            [
                "name": "test-data.service", "enabled": true,
                "contents": """
                [Unit]
                After=docker.service slipway-preload.service
                Requires=docker.service slipway-preload.service
                ConditionPathExists=!/var/lib/slipway-test-data
                [Service]
                Type=oneshot
                ExecStart=/usr/bin/docker run --rm -v keep:/data hello /bin/sh -c 'echo kept > /data/f'
                ExecStart=/usr/bin/touch /var/lib/slipway-test-data
                [Install]
                WantedBy=multi-user.target

                """,
            ],
            [
                "name": "test-update.service", "enabled": true,
                "contents": """
                [Unit]
                After=slipway-ready.service systemd-bless-boot.service test-data.service slipway-test-probe.service
                Requires=slipway-ready.service
                ConditionPathExists=/etc/slipway-test/update-url
                [Service]
                Type=oneshot
                ExecStart=/bin/sh -c 'slipway-update apply "$(cat /etc/slipway-test/update-url)" > /dev/console 2>&1 && rm /etc/slipway-test/update-url && systemctl reboot'
                [Install]
                WantedBy=multi-user.target

                """,
            ],
            [
                "name": "test-rollback.path", "enabled": true,
                "contents": "[Path]\nPathExists=/tmp/slipway-test-rollback\n[Install]\nWantedBy=multi-user.target\n",
            ],
            [
                "name": "test-rollback.service",
                "contents":
                    "[Service]\nExecStart=/bin/sh -c 'slipway-update rollback > /dev/console 2>&1 && systemctl reboot'\n",
            ],
        ]
        let config: [String: Any] = [
            "ignition": ["version": "3.4.0"],
            "passwd": ["users": [["name": "core", "groups": ["docker"], "sshAuthorizedKeys": [key]]]],
            "storage": [
                "files": [
                    ["path": "/etc/slipway-test/secret", "mode": 384, "contents": ["source": "data:,s3cret"]],
                    [
                        "path": "/etc/slipway-test/update-url", "mode": 384,
                        "contents": [
                            "source": "data:,"
                                + (url.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? url)
                        ],
                    ],
                ]
            ],
            "systemd": ["units": units],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: config, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    static func boot(_ image: String, config: String, sshPort: Int) throws -> Machine {
        try DockerHostBootTests.bootPersisted(image, config: config, sshPort: sshPort)
    }

    /// Waits for `text` (a regular expression), or throws with the console's end.
    static func wait(_ machine: Machine, _ text: String, seconds: Int64 = 420, what: String) throws {
        do {
            _ = try machine.waitFor(text, timeout: .seconds(seconds))
        } catch {
            throw FixtureError("\(what): \(error)\n\(machine.consoleTail(80).joined(separator: "\n"))")
        }
    }

    /// The probe's status lines of one boot.
    static func status(_ console: String) -> [String] {
        console.split(whereSeparator: \.isNewline).compactMap { line in
            line.range(of: "probe: ").map { String(line[$0.upperBound...]).trimmingCharacters(in: .whitespaces) }
        }
    }

    @Test func updatesOverHTTPSKeepingStateAndRollsBack() throws {
        let built = try Self.built.get()
        let scratch = try TemporaryDirectory("slipway-dh-update")
        let image = scratch.file("docker-host.img")
        try runTool(["cp", "--sparse=always", built.image, image])
        let site = scratch.file("site")
        try FileManager.default.createDirectory(atPath: site, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: built.payload("v2"), toPath: site + "/docker-host.update")
        let issued = try built.authority.issue("server", names: ["IP:10.0.2.2"])
        let server = try TLSTestServer(certificate: issued.certificate, key: issued.key, serving: site)
        let key = scratch.file("id_ed25519")
        #expect(try runTool(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key]).status == 0)
        let publicKey = try String(contentsOfFile: key + ".pub", encoding: .utf8).trimmingCharacters(in: .newlines)
        let configPath = scratch.file("config.ign")
        try Self.config(key: publicKey, url: "https://10.0.2.2:\(server.port)/docker-host.update")
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        let port = try DockerHostBootTests.freePort()
        let ssh = DockerHostBootTests.SSH(port: port, key: key)

        // v1: ready, then the update unit downloads, applies and reboots.
        let first = try Self.boot(image, config: configPath, sshPort: port)
        defer { first.stop() }
        try Self.wait(first, "slipway-update: installed version 2\\.0\\.0 in slot b", what: "v1 applying v2")
        let firstExit = first.waitForExit(timeout: .seconds(240))
        let firstConsole = first.consoleLog
        first.stop()
        #expect(firstExit == .reset, "\(String(describing: firstExit))")
        #expect(firstConsole.contains("slipway: booting slot a, version 1.0.0"))
        #expect(firstConsole.contains("slipway-update: downloaded "), "\(firstConsole.suffix(3000))")

        // v2: from slot B, blessed, with everything of STATE.
        let second = try Self.boot(image, config: configPath, sshPort: port)
        defer { second.stop() }
        try Self.wait(second, "probe: done", what: "v2 booting")
        let secondConsole = second.consoleLog
        #expect(secondConsole.contains("slipway: booting slot b, version 2.0.0"), "\(secondConsole.suffix(3000))")
        let status = Self.status(secondConsole)
        #expect(status.contains("booted: slot b, version 2.0.0"), "\(status)")
        #expect(status.contains("slot b: version 2.0.0, good (booted, boots next)"), "\(status)")
        #expect(status.contains("slot a: version 1.0.0, good"), "\(status)")
        let login = try ssh.run(
            "core", "id -un; docker run --rm -v keep:/data hello /bin/sh -c 'cat /data/f'; ls /etc/slipway-test")
        #expect(login.status == 0, "\(login.stderr)")
        #expect(login.stdout == "core\nkept\nsecret\n", "\(login.stdout)")
        // The SSH host key lives on STATE: v1 after the rollback presents the key v2 had.
        let hostKey = try ssh.hostKey()
        #expect(hostKey.hasPrefix("ssh-ed25519 AAAA"), "\(hostKey)")

        // Rollback: slot A's v1 boots next.
        _ = try ssh.run("core", "touch /tmp/slipway-test-rollback")
        try Self.wait(second, "boots next", seconds: 120, what: "rollback")
        let secondExit = second.waitForExit(timeout: .seconds(240))
        second.stop()
        #expect(secondExit == .reset)
        #expect(second.consoleLog.contains("slipway-update: slot a (version 1.0.0) boots next"))

        let third = try Self.boot(image, config: configPath, sshPort: port)
        defer { third.stop() }
        try Self.wait(third, "probe: done", what: "v1 after the rollback")
        #expect(third.consoleLog.contains("slipway: booting slot a, version 1.0.0"))
        #expect(Self.status(third.consoleLog).contains("booted: slot a, version 1.0.0"))
        #expect(try ssh.hostKey() == hostKey)
        third.stop()
    }

    @Test func aFailingHealthGateFallsBackAndSaysWhy() throws {
        let built = try Self.built.get()
        let scratch = try TemporaryDirectory("slipway-dh-badgate")
        let image = scratch.file("docker-host.img")
        try runTool(["cp", "--sparse=always", built.image, image])
        let applied = try runTool([
            try Fixtures.slipwayExecutable(), "update", "apply", image, built.payload("v2-badgate"), "--quiet",
        ])
        #expect(applied.status == 0, "\(applied.stderr)")
        let config = scratch.file("config.ign")
        try #"{"ignition": {"version": "3.4.0"}}"#.write(toFile: config, atomically: true, encoding: .utf8)
        let port = try DockerHostBootTests.freePort()
        var consoles: [String] = []
        // Two tries of v2 (each ends in the gate's reboot), then v1.
        for attempt in 1...3 {
            let machine = try Self.boot(image, config: config, sshPort: port)
            defer { machine.stop() }
            if attempt < 3 {
                try Self.wait(machine, "slipway: rebooting: the boot loader", what: "v2 try \(attempt)")
                #expect(machine.waitForExit(timeout: .seconds(240)) == .reset)
            } else {
                try Self.wait(machine, "probe: done", what: "back on v1")
            }
            consoles.append(machine.consoleLog)
            machine.stop()
        }
        #expect(consoles[0].contains("slipway: booting slot b, version 2.0.1"))
        #expect(
            consoles[0].contains("slipway: not ready: failed: slipway-test-broken.service"),
            "\(consoles[0].suffix(3000))")
        #expect(consoles[1].contains("slipway: booting slot b, version 2.0.1"))
        #expect(consoles[2].contains("slipway: booting slot a, version 1.0.0"))
        let status = Self.status(consoles[2])
        #expect(status.contains("booted: slot a, version 1.0.0"), "\(status)")
        // The same as JSON, for scripts.
        let json = try #require(status.first { $0.hasPrefix("json ") }).dropFirst(5)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect((report["booted"] as? [String: Any])?["slot"] as? String == "a")
        #expect(report["nextBoot"] as? String == "a")
        let slotB = try #require((report["slots"] as? [[String: Any]])?.first { $0["slot"] as? String == "b" })
        #expect(slotB["state"] as? String == "bad")
        #expect(slotB["version"] as? String == "2.0.1")
        #expect(((slotB["failure"] as? [String: Any])?["reason"] as? String)?.hasPrefix("health gate: not ready") == true, "\(slotB)")
        #expect(status.contains("slot b: version 2.0.1, bad: failed 2 boots"), "\(status)")
        #expect(
            status.contains(
                "  version 2.0.1 failed: health gate: not ready: failed: slipway-test-broken.service (see journalctl -b -u UNIT)"
            )
                || status.contains(
                    "version 2.0.1 failed: health gate: not ready: failed: slipway-test-broken.service (see journalctl -b -u UNIT)"
                ),
            "\(status)")
    }
}
