import Foundation
import Runner
import TestSupport
import Testing

extension RunnerSystemTests {
    /// Real QEMU boots under TCG through the `Machine` API.
    @Suite struct RunnerBootTests {
        /// Generous: the build machine is shared, and a TCG boot that takes 5 s alone can take 30 s under load.
        static let bound: Duration = .seconds(180)

        @Test func directKernelBootRunsInitAndPowersOff() throws {
            let scratch = try TemporaryDirectory()
            let initrd = try RunnerFixtures.busyboxInitrd(in: scratch)
            let machine = Machine(try RunnerFixtures.directBoot(initrd: initrd, mode: "poweroff"))
            defer { machine.stop() }
            try machine.start()
            #expect(machine.accelerator == .tcg)
            #expect(machine.commandLine.contains("-kernel"))
            // The space after the version makes sure the line has arrived past it (unfinished lines match too).
            let kernel = try machine.waitFor(#"Linux version (\S+) "#, timeout: Self.bound)
            let initRunning = try machine.waitFor(RunnerFixtures.marker, timeout: Self.bound)
            let poweringOff = try machine.waitFor("slipway-test: powering off", timeout: Self.bound)
            #expect(machine.waitForExit(timeout: Self.bound) == .poweredOff)
            // Waits are expect-style: the banner came before the last match, so waiting for it again fails,
            // at once, because the guest is gone.
            #expect {
                try machine.waitFor("Linux version", timeout: Self.bound)
            } throws: { error in
                guard let error = error as? RunnerError, case .guestStopped(.poweredOff) = error.kind else {
                    return false
                }
                return error.consoleTail == machine.consoleTail(30)
            }
            #expect(kernel.groups.first??.hasPrefix("6.1.") == true)
            #expect(kernel.time <= initRunning.time && initRunning.time <= poweringOff.time)
            #expect(initRunning.lineIndex > kernel.lineIndex)
            print(
                "direct boot under TCG: kernel banner \(kernel.time), init \(initRunning.time), power-off \(poweringOff.time)"
            )
        }

        @Test func sendTypesIntoTheGuestConsole() throws {
            let scratch = try TemporaryDirectory()
            let initrd = try RunnerFixtures.busyboxInitrd(in: scratch)
            let machine = Machine(try RunnerFixtures.directBoot(initrd: initrd, mode: "echo"))
            defer { machine.stop() }
            try machine.start()
            _ = try machine.waitFor("slipway-test: type a line", timeout: Self.bound)
            try machine.sendLine("hello from the host")
            let echoed = try machine.waitFor(#"got \[(.*)\]"#, timeout: .seconds(60))
            #expect(echoed.groups == ["hello from the host"])
            #expect(machine.waitForExit(timeout: Self.bound) == .poweredOff)
        }

        @Test func uefiBootUsesAPrivateVariableStore() throws {
            let template = try #require(Firmware.locate())
            let templateBytes = try #require(FileManager.default.contents(atPath: template.variables))
            let machine = Machine(MachineConfiguration(memoryMiB: 256, network: nil, acceleration: .tcg))
            try machine.start()
            let pflash = machine.commandLine.first { $0.hasPrefix("if=pflash,format=raw,unit=1,file=") }
            let variables = try #require(pflash?.components(separatedBy: "file=").last)
            #expect(variables != template.variables)
            #expect(variables.contains("/slipway-run-"))
            #expect(machine.commandLine.contains("if=pflash,format=raw,unit=0,readonly=on,file=\(template.code)"))

            let started = try machine.waitFor(#"BdsDxe: starting Boot\d+"#, timeout: Self.bound)
            // The firmware recorded its boot options in the copy, and only there.
            #expect(FileManager.default.contents(atPath: variables) != templateBytes)
            machine.stop()
            #expect(machine.exit == .stopped)
            #expect(!FileManager.default.fileExists(atPath: variables))
            #expect(FileManager.default.contents(atPath: template.variables) == templateBytes)
            print("UEFI firmware under TCG: boot manager starts a boot option at \(started.time)")
        }

        /// An independent check of the KVM verdict: QEMU itself, run by the shell, boots the firmware under KVM.
        @Test func kvmVerdictAgreesWithQEMU() throws {
            let firmware = try #require(Firmware.locate())
            let scratch = try TemporaryDirectory()
            let variables = scratch.file("vars.fd")
            try FileManager.default.copyItem(atPath: firmware.variables, toPath: variables)
            let result = try runTool([
                "timeout", "-s", "KILL", "20", "qemu-system-x86_64", "-machine", "q35", "-accel", "kvm", "-cpu", "max",
                "-m", "128",
                "-nodefaults", "-display", "none", "-serial", "stdio",
                "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=\(firmware.code)",
                "-drive", "if=pflash,format=raw,unit=1,file=\(variables)",
            ])
            let qemuBooted = result.stdout.contains("BdsDxe")
            #expect(KVMProbe.verdict().usable == qemuBooted)
        }
    }
}
