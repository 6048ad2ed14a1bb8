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
        let before = try runDirectories()
        _ = startError(MachineConfiguration(acceleration: .tcg, extraArguments: ["-no-such-option"]))
        #expect(try runDirectories().subtracting(before).isEmpty)
    }

    func runDirectories() throws -> Set<String> {
        let temporary = NSTemporaryDirectory()
        return Set(
            try FileManager.default.contentsOfDirectory(atPath: temporary).filter { $0.hasPrefix("slipway-run-") })
    }
}
