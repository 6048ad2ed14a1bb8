import Foundation
import Testing

@testable import Runner

@Suite struct KVMProbeTests {
    @Test func missingDeviceIsNotUsable() {
        let verdict = KVMProbe.probeDevice(path: "/nonexistent/kvm")
        #expect(!verdict.usable)
        #expect(verdict.reason == "/nonexistent/kvm: open failed: No such file or directory")
    }

    @Test func aDeviceThatIsNotKVMIsNotUsable() {
        let verdict = KVMProbe.probeDevice(path: "/dev/null")
        #expect(!verdict.usable)
        #expect(verdict.reason == "/dev/null: unexpected KVM API version")
    }

    @Test func qemuThatCannotBootIsNotUsable() throws {
        let firmware = try #require(Firmware.locate())
        let verdict = KVMProbe.probeQEMU(qemu: "/bin/false", firmware: firmware, timeout: .seconds(5))
        #expect(!verdict.usable)
        #expect(verdict.reason.hasPrefix("QEMU could not boot a guest under KVM"))
    }

    /// Quick either way; whether the answer is right is checked against QEMU in the system tests.
    @Test func verdictIsBoundedAndCached() {
        let clock = ContinuousClock()
        let start = clock.now
        let first = KVMProbe.verdict()
        let probing = clock.now - start
        #expect(probing < .seconds(30))
        #expect(KVMProbe.verdict() == first)
        #expect(!first.reason.isEmpty)
        if !FileManager.default.isReadableFile(atPath: "/dev/kvm") {
            #expect(!first.usable)
        }
    }
}
