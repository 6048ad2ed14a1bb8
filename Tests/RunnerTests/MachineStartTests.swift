import Foundation
import TestSupport
import Testing

@testable import Runner

/// Failures before any guest runs. QEMU is started where needed but refuses at once, so these stay fast.
@Suite struct MachineStartTests {
    func startError(_ configuration: MachineConfiguration) -> RunnerError? {
        let machine = Machine(configuration)
        defer { machine.stop() }
        do {
            try machine.start()
            return nil
        } catch {
            return error
        }
    }

    @Test func missingQEMUSaysWhatToInstall() throws {
        let error = try #require(startError(MachineConfiguration(acceleration: .tcg, qemu: "qemu-system-nonexistent")))
        #expect(error.kind == .qemuFailed)
        #expect(error.description.contains("apt-get install qemu-system-x86"))
    }

    @Test func restartNeedsAStartedMachine() throws {
        let machine = Machine(MachineConfiguration(acceleration: .tcg))
        let error = #expect(throws: RunnerError.self) { try machine.restart() }
        #expect(error?.kind == .invalidConfiguration)
        #expect(error?.description == "restart machine: it was not started, or it was stopped")
    }

    @Test func missingImageIsAConfigurationError() throws {
        let error = try #require(
            startError(MachineConfiguration(disk: DiskAttachment(path: "/nonexistent.img"), acceleration: .tcg)))
        #expect(error.kind == .invalidConfiguration)
        #expect(error.subject == "/nonexistent.img")
    }

    @Test func missingIgnitionConfigIsNamed() throws {
        let error = try #require(
            startError(MachineConfiguration(ignitionConfig: "/nonexistent.ign", acceleration: .tcg)))
        #expect(error.kind == .invalidConfiguration)
        #expect(
            error.description
                == "configure machine /nonexistent.ign: the Ignition config does not exist or is not readable")
    }

    @Test func qemuRefusalCarriesItsMessage() throws {
        let scratch = try TemporaryDirectory()
        let kernel = scratch.file("not-a-kernel")
        _ = FileManager.default.createFile(atPath: kernel, contents: Data("hello".utf8))
        let configuration = MachineConfiguration(
            boot: .directKernel(DirectKernel(kernel: kernel)), network: nil, acceleration: .tcg,
            extraArguments: ["-no-such-option"])
        let error = try #require(startError(configuration))
        #expect(error.kind == .qemuFailed)
        #expect(error.message.contains("-no-such-option"))
    }

    @Test func waitingBeforeStartFails() {
        let machine = Machine(MachineConfiguration())
        #expect {
            try machine.waitFor("x", timeout: .seconds(1))
        } throws: { error in
            (error as? RunnerError)?.message == "the machine is not started"
        }
    }

    @Test func runDirectoryIsRemovedAfterAFailedStart() throws {
        let machine = Machine(
            MachineConfiguration(network: nil, acceleration: .tcg, extraArguments: ["-no-such-option"]))
        #expect(throws: RunnerError.self) { try machine.start() }
        // The private variable store lived in the run directory: both must be gone.
        let pflash = machine.commandLine.first { $0.hasPrefix("if=pflash,format=raw,unit=1,file=") }
        let variables = try #require(pflash?.components(separatedBy: "file=").last)
        let directory = (variables as NSString).deletingLastPathComponent
        #expect(directory.contains("/slipway-run-"))
        #expect(!FileManager.default.fileExists(atPath: directory))
    }
}
