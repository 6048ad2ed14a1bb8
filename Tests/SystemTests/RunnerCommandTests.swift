import Foundation
import Runner
import TestSupport
import Testing

extension RunnerSystemTests {
    /// `slipway run` end to end: the built executable boots the busybox initrd under TCG. Every invocation
    /// runs under `timeout`, so a hang fails the test instead of stalling it.
    @Suite struct RunnerCommandTests {
        struct Boot {
            let scratch: TemporaryDirectory
            let kernel: String
            let initrd: String

            init() throws {
                scratch = try TemporaryDirectory()
                kernel = try RunnerFixtures.kernel()
                initrd = try RunnerFixtures.busyboxInitrd(in: scratch)
            }

            func arguments(mode: String) -> [String] {
                [
                    "--kernel", kernel, "--initrd", initrd, "--append", RunnerFixtures.commandLine(mode: mode),
                    "--memory", "512M", "--accel", "tcg",
                ]
            }
        }

        func slipway(_ arguments: [String]) throws -> CommandResult {
            try runTool(["timeout", "-s", "KILL", "300", try RunnerFixtures.slipwayExecutable(), "run"] + arguments)
        }

        /// Console lines as stdout carries them: split at newlines, trailing carriage returns dropped.
        func consoleLines(_ stdout: String) -> [String] {
            // Split bytes, not Characters: "\r\n" is a single Character in Swift.
            var lines = stdout.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
                .map { String(decoding: $0.last == UInt8(ascii: "\r") ? $0.dropLast() : $0, as: UTF8.self) }
            if lines.last == "" { lines.removeLast() }
            return lines
        }

        /// The lines `slipway run` quotes on stderr after "last N console lines:".
        func quotedTail(_ stderr: String) -> [String] {
            let lines = stderr.components(separatedBy: "\n")
            guard let start = lines.firstIndex(where: { $0.hasPrefix("last ") && $0.hasSuffix(" console lines:") })
            else {
                return []
            }
            return lines[(start + 1)...].filter { $0.hasPrefix("  | ") }.map { String($0.dropFirst(4)) }
        }

        @Test func expectMatchExitsZeroAndStopsTheGuest() throws {
            let boot = try Boot()
            // The guest would sleep for ten minutes after the marker: exiting at all shows QEMU was stopped.
            let result = try slipway(boot.arguments(mode: "stay") + ["--expect", "init (running)", "--timeout", "180"])
            #expect(result.status == RunExitStatus.success)
            #expect(result.stdout.contains(RunnerFixtures.marker))
            #expect(result.stderr.contains("slipway run: matched /init (running)/ after "))
            #expect(try runTool(["pgrep", "-f", boot.initrd]).status == 1)
        }

        @Test func powerOffWithoutExpectExitsZero() throws {
            let boot = try Boot()
            let result = try slipway(boot.arguments(mode: "poweroff") + ["--timeout", "180"])
            #expect(result.status == RunExitStatus.success)
            #expect(result.stdout.contains("slipway-test: powering off"))
            #expect(result.stderr.isEmpty)
        }

        @Test func timeoutExitsOneWithTheLastConsoleLines() throws {
            let boot = try Boot()
            let result = try slipway(boot.arguments(mode: "stay") + ["--expect", "NEVER-PRINTED", "--timeout", "8"])
            #expect(result.status == RunExitStatus.timedOut)
            #expect(result.stderr.contains("slipway run: no console match for /NEVER-PRINTED/ within 8 s"))
            let tail = quotedTail(result.stderr)
            #expect(!tail.isEmpty && tail.count <= 30)
            #expect(Array(consoleLines(result.stdout).suffix(tail.count)) == tail)
        }

        @Test func guestDeathBeforeAMatchExitsThree() throws {
            let boot = try Boot()
            let result = try slipway(
                boot.arguments(mode: "poweroff") + ["--expect", "NEVER-PRINTED", "--timeout", "180"])
            #expect(result.status == RunExitStatus.guestStopped)
            #expect(
                result.stderr.contains("slipway run: the guest powered off before the console matched /NEVER-PRINTED/"))
            #expect(quotedTail(result.stderr).contains("slipway-test: powering off"))
        }

        @Test func rebootsAllowedStartTheGuestAgainThenTheNextEndsTheRun() throws {
            let boot = try Boot()
            let result = try slipway(boot.arguments(mode: "reboot") + ["--reboots", "2", "--timeout", "240"])
            #expect(result.status == RunExitStatus.guestStopped, "\(result.stderr)")
            // Three boots: the first and two restarts, each announced once on stderr.
            #expect(consoleLines(result.stdout).filter { $0 == RunnerFixtures.marker }.count == 3)
            let stderr = result.stderr.components(separatedBy: "\n")
            #expect(
                stderr.filter { $0.hasPrefix("slipway run: the guest rebooted (") } == [
                    "slipway run: the guest rebooted (1 of 2 allowed); starting it again",
                    "slipway run: the guest rebooted (2 of 2 allowed); starting it again",
                ])
            #expect(
                stderr.contains(
                    "slipway run: the guest rebooted or reset (QEMU runs with -no-reboot) after 2 allowed "
                        + "reboots"), "\(result.stderr)")
            #expect(try runTool(["pgrep", "-f", boot.initrd]).status == 1)
        }

        @Test func aRebootEndsTheRunByDefault() throws {
            let boot = try Boot()
            let result = try slipway(
                boot.arguments(mode: "reboot") + ["--expect", "NEVER-PRINTED", "--timeout", "240"])
            #expect(result.status == RunExitStatus.guestStopped)
            #expect(
                result.stderr.contains(
                    "slipway run: the guest rebooted or reset (QEMU runs with -no-reboot) before the console matched"),
                "\(result.stderr)")
            #expect(!result.stderr.contains("starting it again"))
            #expect(consoleLines(result.stdout).filter { $0 == RunnerFixtures.marker }.count == 1)
        }

        @Test func interruptStopsQEMUAndExits130() throws {
            let boot = try Boot()
            let output = boot.scratch.file("stdout")
            _ = FileManager.default.createFile(atPath: output, contents: nil)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try RunnerFixtures.slipwayExecutable())
            process.arguments = ["run"] + boot.arguments(mode: "stay")
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
            process.standardError = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            try process.run()
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

            let deadline = ContinuousClock.now + .seconds(180)
            while ContinuousClock.now < deadline,
                !((try? String(contentsOfFile: output, encoding: .utf8))?.contains("staying up") ?? false)
            {
                Thread.sleep(forTimeInterval: 0.2)
            }
            #expect(try runTool(["pgrep", "-f", boot.initrd]).status == 0)
            kill(process.processIdentifier, SIGINT)
            let exited = ContinuousClock.now + .seconds(30)
            while process.isRunning && ContinuousClock.now < exited { Thread.sleep(forTimeInterval: 0.1) }
            #expect(!process.isRunning)
            #expect(process.terminationStatus == RunExitStatus.interrupted)
            #expect(try runTool(["pgrep", "-f", boot.initrd]).status == 1)
        }

        @Test func missingImageExitsFour() throws {
            let result = try slipway(["/nonexistent/disk.img", "--accel", "tcg"])
            #expect(result.status == RunExitStatus.qemuFailed)
            #expect(result.stderr.contains("open disk image /nonexistent/disk.img: the file does not exist"))
        }

        /// A mistyped path fails before the KVM probe, which boots a guest to see whether KVM works.
        @Test(arguments: [
            (["/nonexistent/disk.img"], "slipway run: open disk image /nonexistent/disk.img: the file does not exist"),
            (
                ["--kernel", "/nonexistent/vmlinuz"],
                "slipway run: configure machine /nonexistent/vmlinuz: the kernel does not exist or is not readable"
            ),
        ])
        func missingFilesFailBeforeTheKVMProbe(arguments: [String], message: String) throws {
            // A QEMU that records being started: the probe would start it.
            let scratch = try TemporaryDirectory()
            let qemu = scratch.file("qemu")
            try Data("#!/bin/sh\ntouch '\(scratch.file("started"))'\nexit 1\n".utf8).write(
                to: URL(fileURLWithPath: qemu))
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: qemu)
            let result = try slipway(arguments + ["--accel", "auto", "--qemu", qemu])
            #expect(result.status == RunExitStatus.qemuFailed)
            #expect(result.stderr.hasPrefix(message), "\(result.stderr)")
            #expect(!result.stderr.contains("TCG"))
            #expect(!FileManager.default.fileExists(atPath: scratch.file("started")), "QEMU was started")
        }

        @Test func imageQEMURefusesExitsFourWithQEMUsMessage() throws {
            let scratch = try TemporaryDirectory()
            let image = scratch.file("broken.qcow2")
            // A qcow2 magic number followed by garbage: slipway calls it qcow2, QEMU cannot open it.
            _ = FileManager.default.createFile(
                atPath: image, contents: Data([0x51, 0x46, 0x49, 0xFB] + [UInt8](repeating: 0xEE, count: 4092)))
            let result = try slipway([image, "--persist", "--accel", "tcg"])
            #expect(result.status == RunExitStatus.qemuFailed)
            #expect(result.stderr.contains("slipway run: start QEMU"))
            #expect(result.stderr.contains("broken.qcow2"))
        }

        @Test(arguments: [
            (["a.img", "--initrd", "/x"], "--initrd and --append only apply with --kernel"),
            (["a.img", "--forward", "80"], "parse port forward \"80\": expected HOST:GUEST"),
            (["a.img", "--expect", "("], "compile console pattern /(/: not a valid regular expression"),
            (["a.img", "--memory", "lots"], "--memory \"lots\": expected a size like 512MiB or 2GiB"),
            (
                ["a.img", "--memory", "2GB"],
                "--memory \"2GB\": decimal units are ambiguous; write 2GiB (sizes count in powers of 1024)"
            ),
            (["a.img", "--memory", "16MiB"], "--memory \"16MiB\": must be at least 32MiB"),
            (["a.img", "--reboots=-1"], "--reboots -1: use 0 to 100 reboots"),
            (["a.img", "--reboots", "101"], "--reboots 101: use 0 to 100 reboots"),
            (["a.img", "--reboots", "many"], "the value 'many' is invalid for '--reboots <n>'"),
            (["a.img", "--disk-size", "20GB"], "--disk-size \"20GB\": decimal units are ambiguous; write 20GiB"),
            (["a.img", "--persist", "--disk-size", "8G"], "with --persist, grow the image itself"),
        ])
        func usageErrorsExit2(arguments: [String], message: String) throws {
            let result = try slipway(arguments)
            #expect(result.status == RunExitStatus.usage)
            let first = result.stderr.split(separator: "\n").first.map(String.init) ?? ""
            #expect(first.hasPrefix("slipway run: ") && first.contains(message), "\(result.stderr)")
        }
    }
}
