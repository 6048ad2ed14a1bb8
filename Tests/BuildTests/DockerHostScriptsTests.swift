import Foundation
import TestSupport
import Testing

/// The overlay's boot scripts (system-container, preload-images, slipway-ready) run by /bin/sh with
/// stand-ins for the docker and systemctl commands: the stand-ins log every call and answer from
/// files, so each test asserts the exact calls a boot makes in that state.
struct DockerHostScriptsTests {
    /// A scratch machine: bin/ with the stand-ins, lib/ in place of /usr/lib/slipway, state/ with
    /// what the daemons hold (container-NAME holds its label, image-TAG its ID, failed-UNIT...).
    final class Machine {
        let directory: TemporaryDirectory
        var state: String { directory.file("state") }
        var lib: String { directory.file("lib") }
        var console: String { directory.file("console") }

        init() throws {
            directory = try TemporaryDirectory()
            for path in ["bin", "state", "lib/system", "lib/images/system", "lib/images/user"] {
                try FileManager.default.createDirectory(atPath: directory.file(path), withIntermediateDirectories: true)
            }
            try write("bin/docker", Self.docker, mode: 0o755)
            try write("bin/systemctl", Self.systemctl, mode: 0o755)
            try write("bin/slipway-update", Self.slipwayUpdate, mode: 0o755)
        }

        func write(_ path: String, _ text: String, mode: Int = 0o644) throws {
            try text.write(toFile: directory.file(path), atomically: false, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: directory.file(path))
        }

        /// Runs overlay script `name` with `arguments`; returns its status and the stand-ins' calls.
        func run(_ name: String, _ arguments: [String] = [], environment: [String: String] = [:]) throws
            -> (status: Int32, calls: [String], stderr: String)
        {
            let script = packageRoot().appendingPathComponent("overlays/docker-host/usr/lib/slipway/\(name)").path
            try? FileManager.default.removeItem(atPath: state + "/calls")
            let path = directory.file("bin") + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
            let result = try runTool(
                ["sh", script] + arguments,
                environment: ["PATH": path, "STUB_STATE": state, "SLIPWAY_LIB": lib, "SLIPWAY_CONSOLE": console]
                    .merging(environment) { $1 })
            let calls = (try? String(contentsOfFile: state + "/calls", encoding: .utf8)) ?? ""
            return (result.status, calls.split(separator: "\n").map(String.init), result.stderr)
        }

        func exists(_ file: String) -> Bool { FileManager.default.fileExists(atPath: state + "/" + file) }
        func read(_ file: String) -> String? { try? String(contentsOfFile: state + "/" + file, encoding: .utf8) }

        /// The docker CLI stand-in. An "archive" is a text file "TAG ID" that `load` registers.
        static let docker = #"""
            #!/bin/sh
            state=$STUB_STATE
            echo "$*" >> "$state/calls"
            [ "$1" = "--host" ] && shift 2
            key() { echo "$1" | tr '/:' '__'; }
            case "$1 $2" in
            "container inspect")
                format=$4; shift 4; status=0
                for name in "$@"; do
                    if [ -f "$state/container-$name" ]; then
                        running=true; [ -f "$state/stopped-$name" ] && running=false
                        case $format in
                            =*) echo "=$(cat "$state/container-$name") $running" ;;
                            *) echo "/$name $running" ;;
                        esac
                    else status=1; fi
                done
                exit $status ;;
            "image inspect")
                file="$state/image-$(key "$5")"; [ -f "$file" ] && cat "$file" && exit 0; exit 1 ;;
            "image ls")
                for file in "$state"/image-*.tag; do [ -f "$file" ] && echo "$(cat "$file") $(cat "${file%.tag}")"; done; exit 0 ;;
            "load --quiet")
                read -r tag id < "$4" || exit 1; echo "$id" > "$state/image-$(key "$tag")"; echo "$tag" > "$state/image-$(key "$tag").tag"; exit 0 ;;
            "rm --force")
                rm "$state/container-$3"; exit 0 ;;
            "start "*)
                [ -f "$state/container-$2" ]; exit $? ;;
            "run --detach")
                shift 2; : > "$state/run-arguments"
                for argument in "$@"; do
                    echo "$argument" >> "$state/run-arguments"
                    case $argument in
                        --name=*) name=${argument#--name=} ;;
                        --label=org.slipway.config=*) label=${argument#--label=org.slipway.config=} ;;
                    esac
                done
                echo "$label" > "$state/container-$name"; exit 0 ;;
            "info --format")
                [ ! -f "$state/down" ]; exit $? ;;
            esac
            echo "docker stand-in: unexpected call: $*" >&2; exit 2
            """#

        /// slipway-update's stand-in: records the call; `mark-failed` answers "reboot" (exit 0) when
        /// the state has a file `reboot-wanted`.
        static let slipwayUpdate = #"""
            #!/bin/sh
            echo "slipway-update $*" >> "$STUB_STATE/calls"
            [ "$1" = mark-failed ] && [ -f "$STUB_STATE/reboot-wanted" ]
            """#

        static let systemctl = #"""
            #!/bin/sh
            echo "systemctl $*" >> "$STUB_STATE/calls"
            case $1 in
            is-active)
                shift; status=0
                for unit in "$@"; do
                    if [ -f "$STUB_STATE/failed-$unit" ]; then echo failed; status=3
                    elif [ -f "$STUB_STATE/inactive-$unit" ]; then echo inactive; status=3
                    elif [ -f "$STUB_STATE/activating-$unit" ]; then echo activating; status=3
                    else echo active; fi
                done
                exit $status ;;
            show) [ -f "$STUB_STATE/active-$4" ] && cat "$STUB_STATE/active-$4"; exit 0 ;;
            esac
            exit 2
            """#
    }

    private let tag = "slipway-system/syslog:latest"

    private func systemContainer(_ machine: Machine) throws {
        try machine.write(
            "lib/system/syslog.args",
            "--label=org.slipway.config=D1\n--name=syslog\n--network=none\n\(tag)\n-O\n/var/log/two words\n")
        try machine.write("lib/images/system/syslog.tar", "\(tag) sha256:1\n")
    }

    @Test func firstBootLoadsCreatesAndStarts() throws {
        let machine = try Machine()
        try systemContainer(machine)
        let run = try machine.run("system-container", ["syslog", tag, "sha256:1", "D1"])
        #expect(run.status == 0, "\(run.stderr)")
        let host = "--host unix:///run/system-docker.sock"
        #expect(
            run.calls == [
                "\(host) container inspect --format ={{index .Config.Labels \"org.slipway.config\"}} {{.State.Running}} syslog",
                "\(host) load --quiet --input \(machine.lib)/images/system/syslog.tar",
                "\(host) run --detach --label=org.slipway.config=D1 --name=syslog --network=none \(tag) -O /var/log/two words",
            ])
        // Arguments reach docker one by one, spaces and all.
        #expect(
            machine.read("run-arguments")
                == "--label=org.slipway.config=D1\n--name=syslog\n--network=none\n\(tag)\n-O\n/var/log/two words\n")
    }

    @Test func laterBootsLeaveARunningContainerAlone() throws {
        let machine = try Machine()
        try systemContainer(machine)
        try machine.write("state/container-syslog", "D1")
        let run = try machine.run("system-container", ["syslog", tag, "sha256:1", "D1"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.calls.count == 1)
    }

    @Test func laterBootsStartAStoppedContainer() throws {
        let machine = try Machine()
        try systemContainer(machine)
        try machine.write("state/container-syslog", "D1")
        try machine.write("state/stopped-syslog", "")
        let run = try machine.run("system-container", ["syslog", tag, "sha256:1", "D1"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.calls.count == 2)
        #expect(run.calls.last == "--host unix:///run/system-docker.sock start syslog")
    }

    @Test func aChangedConfigurationRecreatesWithoutReloadingTheSameImage() throws {
        let machine = try Machine()
        try systemContainer(machine)
        try machine.write("state/container-syslog", "OLD")
        try machine.write("state/image-slipway-system_syslog_latest", "sha256:1\n")
        let run = try machine.run("system-container", ["syslog", tag, "sha256:1", "D1"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(
            run.calls.map { $0.split(separator: " ").dropFirst(2).prefix(2).joined(separator: " ") } == [
                "container inspect", "image inspect", "rm --force", "run --detach",
            ])
        #expect(machine.read("container-syslog") == "D1\n")
        #expect(!run.calls.contains { $0.contains(" load ") })
    }

    @Test func aFailedLoadFailsTheUnit() throws {
        let machine = try Machine()
        try machine.write("lib/system/syslog.args", "--name=syslog\n\(tag)\n")
        // No archive: the stand-in's load cannot read it, as docker load could not.
        let run = try machine.run("system-container", ["syslog", tag, "sha256:1", "D1"])
        #expect(run.status != 0)
        #expect(!machine.exists("container-syslog"))
    }

    @Test func preloadLoadsOnlyWhatTheDaemonLacks() throws {
        let machine = try Machine()
        try machine.write("lib/images/user/hello.tar", "hello:latest sha256:aa\n")
        try machine.write("lib/images/user/tools%3A1.0.tar", "tools:1.0 sha256:bb\n")
        try machine.write(
            "lib/images/user.list",
            "hello:latest sha256:aa \(machine.lib)/images/user/hello.tar\n"
                + "tools:1.0 sha256:bb \(machine.lib)/images/user/tools%3A1.0.tar\n")
        try machine.write("state/image-hello_latest", "sha256:aa\n")
        try machine.write("state/image-hello_latest.tag", "hello:latest\n")
        let run = try machine.run("preload-images")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(
            run.calls == [
                "image ls --no-trunc --format {{.Repository}}:{{.Tag}} {{.ID}}",
                "load --quiet --input \(machine.lib)/images/user/tools%3A1.0.tar",
            ])
        // A second run finds both.
        #expect(try machine.run("preload-images").calls.count == 1)
    }

    private let health = [
        "SLIPWAY_HEALTH_TIMEOUT": "300", "SLIPWAY_HEALTH_UNITS": "system-docker.service docker.service",
        "SLIPWAY_HEALTH_DAEMONS": "system user", "SLIPWAY_HEALTH_CONTAINERS": "syslog",
    ]

    @Test func readyPrintsTheReadyLineOnceEverythingIsUp() throws {
        let machine = try Machine()
        try machine.write("state/container-syslog", "D1")
        try machine.write("state/active-system-docker.service", "14523999\n")
        try machine.write("state/active-docker.service", "22630000\n")
        let run = try machine.run("slipway-ready", environment: health)
        #expect(run.status == 0, "\(run.stderr)")
        let console = try String(contentsOfFile: machine.console, encoding: .utf8)
        let lines = console.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(console)")
        // When each daemon's unit became active (systemd's monotonic microseconds), then the ready line.
        #expect(lines.first == "slipway: daemons ready: system at 14.52s, user at 22.63s of uptime")
        #expect(lines.last?.hasPrefix("slipway: ready (uptime ") == true, "\(console)")
        #expect(lines.last?.hasSuffix("s)") == true, "\(console)")
        #expect(
            run.calls.filter { $0.hasPrefix("systemctl show") } == [
                "systemctl show --property=ActiveEnterTimestampMonotonic --value system-docker.service",
                "systemctl show --property=ActiveEnterTimestampMonotonic --value docker.service",
            ])
        // The user daemon answers `docker info`; the system daemon answers the container query.
        #expect(
            run.calls.filter { $0.hasSuffix("info --format {{.ID}}") } == [
                "--host unix:///run/docker.sock info --format {{.ID}}"
            ])
    }

    @Test func readyGivesUpAtTheTimeoutNamingWhatIsMissing() throws {
        let machine = try Machine()
        try machine.write("state/container-syslog", "D1\n")
        try machine.write("state/stopped-syslog", "")
        // A timeout already reached: one check, then the verdict.
        let run = try machine.run("slipway-ready", environment: health.merging(["SLIPWAY_HEALTH_TIMEOUT": "1"]) { $1 })
        #expect(run.status == 1)
        let console = try String(contentsOfFile: machine.console, encoding: .utf8)
        #expect(console == "slipway: not ready after 1s of uptime: missing system container syslog;\n")
    }

    /// A daemon that never finishes starting (dockerd has no start timeout) ends in the gate's own
    /// verdict at the timeout: the gate is not ordered after the units, it asks for all their states
    /// in one call.
    @Test func readyNamesAUnitStuckStartingAtTheTimeout() throws {
        let machine = try Machine()
        try machine.write("state/container-syslog", "D1\n")
        try machine.write("state/activating-system-docker.service", "")
        let run = try machine.run("slipway-ready", environment: health.merging(["SLIPWAY_HEALTH_TIMEOUT": "1"]) { $1 })
        #expect(run.status == 1)
        let console = try String(contentsOfFile: machine.console, encoding: .utf8)
        #expect(console == "slipway: not ready after 1s of uptime: missing unit system-docker.service;\n")
        #expect(
            run.calls == [
                "systemctl is-active system-docker.service docker.service",
                "slipway-update mark-failed health gate: not ready after 1s of uptime: missing unit system-docker.service;",
            ])
    }

    @Test func readyStopsAtAFailedUnit() throws {
        let machine = try Machine()
        try machine.write("state/inactive-docker.service", "")
        try machine.write("state/failed-docker.service", "")
        let run = try machine.run("slipway-ready", environment: health)
        #expect(run.status == 1)
        let console = try String(contentsOfFile: machine.console, encoding: .utf8)
        #expect(console == "slipway: not ready: failed: docker.service (see journalctl -b -u UNIT)\n")
        // Recorded, and no reboot: slipway-update said there is nothing else to try.
        #expect(
            run.calls.contains(
                "slipway-update mark-failed health gate: not ready: failed: docker.service (see journalctl -b -u UNIT)")
        )
        #expect(!run.calls.contains("systemctl reboot"))
    }

    /// With tries left or another good slot, a failed gate reboots so the boot loader can fall back.
    @Test func readyRebootsWhenTheLoaderHasSomethingLeftToTry() throws {
        let machine = try Machine()
        try machine.write("state/container-syslog", "D1\n")
        try machine.write("state/stopped-syslog", "")
        try machine.write("state/reboot-wanted", "")
        let run = try machine.run("slipway-ready", environment: health.merging(["SLIPWAY_HEALTH_TIMEOUT": "1"]) { $1 })
        #expect(run.status == 1)
        #expect(
            run.calls.suffix(2) == [
                "slipway-update mark-failed health gate: not ready after 1s of uptime: missing system container syslog;",
                "systemctl reboot",
            ])
        let console = try String(contentsOfFile: machine.console, encoding: .utf8)
        #expect(
            console.hasSuffix(
                "slipway: rebooting: the boot loader tries this slot again or falls back to the other one\n"))
    }
}
