import Foundation
import Runner
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The default profile, built and booted as a user would, with one addition: a probe service that
/// runs after the health gate and reports on the console what the two-daemon design promises.
///
/// One copy of the image is booted twice with `--persist` and a first-boot config (a user `core` in
/// the docker group with a key made here): the first boot is checked by the probe and over SSH, then
/// powered off from inside; the second must come up ready with its state kept and the config not
/// applied again. Two boots in all, each about 60–90 s under TCG.
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
        keys=/home/core/.ssh/authorized_keys.d/ignition
        [ -f $keys ] && say "core keys: $(stat -c '%a %U' $keys) $(cat $keys)"
        say "core key directories: $(stat -c '%a %U' /home/core/.ssh /home/core/.ssh/authorized_keys.d | tr '\n' ' ')"
        [ -e /home/core/.ssh/authorized_keys ] && say "core authorized_keys: present" || say "core authorized_keys: absent"
        [ -f /etc/slipway-test/secret ] && say "secret: $(stat -c '%a' /etc/slipway-test/secret) $(cat /etc/slipway-test/secret)"
        say "user containers: $(docker ps --format '{{.Names}}' | sort | tr '\n' ' ')"
        docker rm -f $(docker ps -aq) >/dev/null 2>&1
        docker system prune -af >/dev/null 2>&1
        say "user images after wiping: $(docker images -q | wc -l)"
        say "system containers after: $(sys ps --format '{{.Names}}' | sort | tr '\n' ' ')"
        if touch /.probe 2>/dev/null; then say "root write: allowed"; else say "root write: refused"; fi
        while read -r dev mnt type opts rest; do [ "$mnt" = / ] && say "root mount: $type ${opts%%,*}"; done < /proc/mounts
        say "boot entries: $(ls /efi/loader/entries 2>&1 | tr '\n' ' ')"
        say "ssh: $(systemctl is-active ssh.service sshd-keygen.service | tr '\n' ' ')"
        settings() { while read -r key value; do case $key in permitrootlogin | passwordauthentication | kbdinteractiveauthentication | authenticationmethods) printf '%s %s ' "$key" "$value" ;; esac; done; }
        say "sshd settings: $(sshd -T | settings)"
        say "sshd key files: $(sshd -T | while read -r key value; do [ "$key" = authorizedkeysfile ] && echo "$value"; done)"
        record=$(tr -d ' \n' < /etc/.slipway-firstboot.json); record=${record#*'"outcome":"'}
        say "firstboot record: ${record%%'"'*} $(sha256sum < /etc/.slipway-firstboot.json | cut -c1-16)"
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

    /// What the two boots showed.
    struct Scenario {
        var first: String
        var second: String
        /// `id -un; id -Gn; docker info` as core over SSH, on the first and the second boot.
        var login: CommandResult
        var secondLogin: CommandResult
        /// A password-only attempt as core: must be refused.
        var passwordLogin: CommandResult
        /// `ssh-keyscan -t ed25519` on each boot.
        var hostKey: String
        var secondHostKey: String
        /// How the first boot ended after the poweroff the test asked for.
        var firstExit: MachineExit?
        /// `/etc/ssh` of the image's root file system, listed by debugfs.
        var imageSSHDirectory: String
    }

    /// The first-boot config: core with the test's key, in the docker group, a file, a unit that runs a
    /// user container, and a path unit that powers the machine off once core touches
    /// /tmp/slipway-test-poweroff (core has no other way to).
    static func config(key: String) -> String {
        let units: [[String: Any]] = [
            [
                "name": "from-config.service", "enabled": true,
                "contents": """
                [Unit]
                After=docker.service slipway-preload.service
                Requires=docker.service slipway-preload.service
                [Service]
                Type=oneshot
                RemainAfterExit=yes
                ExecStart=/usr/bin/docker run -d --name from-config hello /bin/busybox sleep 3600
                [Install]
                WantedBy=multi-user.target

                """,
            ],
            [
                "name": "test-poweroff.path", "enabled": true,
                "contents": "[Path]\nPathExists=/tmp/slipway-test-poweroff\n[Install]\nWantedBy=multi-user.target\n",
            ],
            ["name": "test-poweroff.service", "contents": "[Service]\nExecStart=/bin/systemctl --no-block poweroff\n"],
        ]
        let config: [String: Any] = [
            "ignition": ["version": "3.4.0"],
            "passwd": [
                "users": [["name": "core", "groups": ["docker"], "sshAuthorizedKeys": [key]]]
            ],
            "storage": [
                "files": [["path": "/etc/slipway-test/secret", "mode": 384, "contents": ["source": "data:,s3cret"]]]
            ],
            "systemd": ["units": units],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: config, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    static let scenario: Result<Scenario, any Error> = Result {
        let (dir, image) = try built.get()
        let scratch = try TemporaryDirectory("slipway-docker-host-persist")
        let copy = scratch.file("docker-host.img")
        try runTool(["cp", "--sparse=always", image, copy])
        let key = scratch.file("id_ed25519")
        let keygen = try runTool(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "core@test", "-f", key])
        guard keygen.status == 0 else { throw FixtureError("ssh-keygen: \(keygen.stderr)") }
        let publicKey = try String(contentsOfFile: key + ".pub", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let configPath = scratch.file("config.ign")
        try config(key: publicKey).write(toFile: configPath, atomically: true, encoding: .utf8)

        let listing = try runTool(["debugfs", "-R", "ls -l /etc/ssh", dir + "/docker-host.rootfs.ext4"]).stdout
        let port = try freePort()
        let ssh = SSH(port: port, key: key)

        // First boot: the config is applied; the probe reports; SSH as core; then a clean poweroff.
        let first = try bootPersisted(copy, config: configPath, sshPort: port)
        defer { first.stop() }
        let firstDone = Result { try first.waitFor("probe: done", timeout: .seconds(420)) }
        if case .failure(let error) = firstDone {
            try? first.consoleLog.write(toFile: dir + "/first-boot.console", atomically: true, encoding: .utf8)
            throw FixtureError("first boot: \(error)\n\(first.consoleTail(60).joined(separator: "\n"))")
        }
        let login = try ssh.run("core", "id -un; id -Gn; docker info --format 'server {{.ServerVersion}}'")
        let passwordLogin = try ssh.run(
            "core", "id -un",
            options: ["-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password,keyboard-interactive"])
        let hostKey = try ssh.hostKey()
        _ = try ssh.run("core", "touch /tmp/slipway-test-poweroff")
        let firstExit = first.waitForExit(timeout: .seconds(240))
        first.stop()
        let firstConsole = first.consoleLog
        // Kept beside the built image for a look after a failure.
        try? firstConsole.write(toFile: dir + "/first-boot.console", atomically: true, encoding: .utf8)

        // Second boot of the same disk, with the same config offered again.
        let second = try bootPersisted(copy, config: configPath, sshPort: port)
        defer { second.stop() }
        let secondDone = Result { try second.waitFor("probe: done", timeout: .seconds(420)) }
        try? second.consoleLog.write(toFile: dir + "/second-boot.console", atomically: true, encoding: .utf8)
        if case .failure(let error) = secondDone {
            throw FixtureError("second boot: \(error)\n\(second.consoleTail(60).joined(separator: "\n"))")
        }
        let secondLogin = try ssh.run("core", "id -un; id -Gn; docker info --format 'server {{.ServerVersion}}'")
        let secondHostKey = try ssh.hostKey()
        second.stop()
        return Scenario(
            first: firstConsole, second: second.consoleLog, login: login, secondLogin: secondLogin,
            passwordLogin: passwordLogin, hostKey: hostKey, secondHostKey: secondHostKey,
            firstExit: firstExit, imageSSHDirectory: listing)
    }

    /// Boots `image` as `slipway run IMAGE --persist --config CONFIG --ssh-port PORT` would.
    static func bootPersisted(_ image: String, config: String, sshPort: Int) throws -> Machine {
        let machine = Machine(
            MachineConfiguration(
                disk: DiskAttachment(path: image, persist: true), network: NetworkOptions(sshPort: sshPort),
                ignitionConfig: config, acceleration: .tcg))
        try machine.start()
        return machine
    }

    /// A TCP port on 127.0.0.1 that nothing listens on right now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FixtureError("socket: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(fd, address, length) == 0 && getsockname(fd, address, &length) == 0
            }
        }
        guard bound else { throw FixtureError("bind 127.0.0.1:0: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// The host's OpenSSH client against the guest's forwarded port 22.
    struct SSH {
        var port: Int
        var key: String

        func run(_ user: String, _ command: String, options: [String] = []) throws -> CommandResult {
            try runTool(
                [
                    "ssh", "-i", key, "-p", "\(port)", "-o", "StrictHostKeyChecking=no", "-o",
                    "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o",
                    "ConnectTimeout=60", "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=8", "-o",
                    "LogLevel=ERROR",
                ] + options + ["\(user)@127.0.0.1", command])
        }

        /// The server's ed25519 host key ("ssh-ed25519 AAAA..."), without the host name.
        func hostKey() throws -> String {
            let scan = try runTool(["ssh-keyscan", "-T", "60", "-t", "ed25519", "-p", "\(port)", "127.0.0.1"])
            return scan.stdout.split(separator: "\n").first { !$0.hasPrefix("#") }
                .map { $0.split(separator: " ").dropFirst().joined(separator: " ") } ?? ""
        }
    }

    /// The console of the first boot, shared by the probe checks below.
    static var console: Result<String, any Error> { scenario.map(\.first) }

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

    /// The health gate says when each daemon became ready, just before the ready line.
    @Test func healthGateReportsEachDaemonsReadyTime() throws {
        let console = try Self.console.get()
        let lines = console.split(whereSeparator: \.isNewline).map(String.init)
        let pattern = #/slipway: daemons ready: system at (\d+\.\d\d)s, user at (\d+\.\d\d)s of uptime/#
        let index = try #require(lines.firstIndex { $0.contains(pattern) }, "no daemons ready line")
        let match = try #require(lines[index].firstMatch(of: pattern))
        let ready = try #require(lines[index...].first { $0.contains("slipway: ready (uptime ") })
        let readyUptime = try #require(ready.firstMatch(of: #/uptime (\d+\.\d+)s/#)).1
        // Each daemon was up before the gate declared the system ready (and after the kernel started).
        for time in [match.1, match.2] {
            let seconds = try #require(Double(time))
            #expect(seconds > 0 && seconds <= (Double(readyUptime) ?? 0), "\(lines[index]) / \(ready)")
        }
    }

    /// `slipway run --config` on the docker-host image: the user with its key and groups and the file
    /// are there on the first boot, before the system's services start, and the config's unit runs.
    @Test func firstBootConfigIsAppliedOnTheDockerHost() throws {
        let console = try Self.console.get()
        #expect(console.contains("first boot: config from qemu fw_cfg opt/com.coreos/config"))
        #expect(try line("core user:") == "uid 1000 gid 1000")
        // Where Ignition writes them, with its modes; sshd reads that file (below).
        #expect(try line("core keys:").hasPrefix("600 core ssh-ed25519 AAAA"))
        #expect(try line("core keys:").hasSuffix(" core@test"))
        #expect(try line("core key directories:") == "700 core 700 core")
        #expect(try line("core authorized_keys:") == "absent")
        #expect(try line("secret:") == "600 s3cret")
        // A unit from the config runs a container on the user daemon on that same first boot.
        #expect(try line("user containers:").contains("from-config"))
        #expect(try line("firstboot record:").hasPrefix("applied "))
    }

    /// SSH with the key from the config: core logs in and, being in the docker group, uses the user
    /// daemon; passwords and root logins are off; the host key is the machine's own.
    @Test func sshTakesTheConfigsKeyOnly() throws {
        let scenario = try Self.scenario.get()
        #expect(try line("ssh:") == "active inactive")  // sshd-keygen.service is a oneshot that has run
        let login = scenario.login
        #expect(login.status == 0, "\(login.stderr)")
        let output = login.stdout.split(separator: "\n").map(String.init)
        #expect(output.first == "core")
        #expect(output.dropFirst().first?.split(separator: " ").contains("docker") == true, "\(output)")
        #expect(output.last?.hasPrefix("server 20.10") == true, "\(output)")
        // sshd's effective settings (sshd -T, run by the probe as root).
        let words = try line("sshd settings:").split(separator: " ").map(String.init)
        let pairs = stride(from: 0, to: words.count - 1, by: 2).map { (words[$0], words[$0 + 1]) }
        let settings = Dictionary(pairs) { first, _ in first }
        #expect(
            settings == [
                "permitrootlogin": "no", "passwordauthentication": "no", "kbdinteractiveauthentication": "no",
                "authenticationmethods": "publickey",
            ], "\(words)")
        // The login above used the key first boot wrote to authorized_keys.d/ignition.
        #expect(try line("sshd key files:") == ".ssh/authorized_keys .ssh/authorized_keys.d/ignition")
        // Password and keyboard-interactive are off: the server offers public keys only.
        #expect(scenario.passwordLogin.status == 255)
        #expect(
            scenario.passwordLogin.stderr.contains("Permission denied (publickey)"), "\(scenario.passwordLogin.stderr)")
        // The host key is made on the first boot, not shipped in the image, and kept across boots.
        #expect(scenario.imageSSHDirectory.contains("sshd_config"), "\(scenario.imageSSHDirectory)")
        #expect(!scenario.imageSSHDirectory.contains("ssh_host_"), "\(scenario.imageSSHDirectory)")
        #expect(scenario.hostKey.hasPrefix("ssh-ed25519 AAAA"), "\(scenario.hostKey)")
        #expect(scenario.secondHostKey == scenario.hostKey)
    }

    /// The second boot of the persisted disk: ready again, the record kept, the config (offered
    /// again) not applied, the system container still running, core still able to log in.
    @Test func secondBootKeepsStateAndDoesNotApplyTheConfigAgain() throws {
        let scenario = try Self.scenario.get()
        #expect(scenario.firstExit == .poweredOff, "\(String(describing: scenario.firstExit))")
        let second = scenario.second
        #expect(second.contains("slipway: ready (uptime"))
        #expect(second.contains("first-boot config applied on "), "\(second.suffix(3000))")
        #expect(second.contains("from qemu fw_cfg opt/com.coreos/config; not run again"))
        #expect(!second.contains("first boot: config from"))
        #expect(try line("firstboot record:", in: second) == line("firstboot record:"))
        #expect(try line("system containers before:", in: second) == "syslog")
        #expect(try line("core user:", in: second) == "uid 1000 gid 1000")
        #expect(try line("secret:", in: second) == "600 s3cret")
        #expect(scenario.secondLogin.stdout == scenario.login.stdout, "\(scenario.secondLogin.stderr)")
    }
}
