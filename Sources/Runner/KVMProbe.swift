import Foundation
import Synchronization

/// Decides whether KVM can really run our guests, so `--accel auto` never picks an accelerator that fails.
///
/// A readable /dev/kvm is not enough: on some hosts (nested virtualization, restricted hypervisors) KVM
/// runs a trivial guest but QEMU stops a real one with "KVM internal error" or an unsupported MSR.
/// The probe has two stages:
/// 1. `probeDevice`: ioctls on /dev/kvm create a VM and run one `hlt` (milliseconds; rules out hosts
///    without KVM or without permission).
/// 2. `probeQEMU`: QEMU itself boots the UEFI firmware under KVM with the CPU model slipway uses, and the
///    firmware must reach its boot manager (about a second where KVM works; fails fast where it does not).
///    Skipped when no firmware is installed: then stage 1 decides.
public enum KVMProbe {
    /// A probe's answer and the reason, for the one line the command prints when falling back.
    public struct Verdict: Sendable, Equatable {
        public var usable: Bool
        public var reason: String

        public init(usable: Bool, reason: String) {
            self.usable = usable
            self.reason = reason
        }
    }

    private static let cache = Mutex<Verdict?>(nil)

    /// Both stages, run once per process; later calls return the first answer.
    public static func verdict(qemu: String = "qemu-system-x86_64", firmware: Firmware? = Firmware.locate())
        -> Verdict
    {
        cache.withLock { cached in
            if let cached { return cached }
            var verdict = probeDevice()
            if verdict.usable, let firmware {
                verdict = probeQEMU(qemu: qemu, firmware: firmware)
            }
            cached = verdict
            return verdict
        }
    }

    /// Boots `firmware` in QEMU under KVM (no disk, no network) and waits for the boot manager's first line.
    public static func probeQEMU(qemu: String, firmware: Firmware, timeout: Duration = .seconds(10)) -> Verdict {
        let machine = Machine(
            MachineConfiguration(
                boot: .uefi(firmware: firmware), memoryMiB: 128, cpus: 1, network: nil, acceleration: .kvm,
                qemu: qemu))
        machine.startupTimeout = timeout
        defer { machine.stop() }
        do {
            try machine.start()
            _ = try machine.waitFor("BdsDxe", timeout: timeout)
            return Verdict(usable: true, reason: "QEMU booted UEFI firmware under KVM")
        } catch {
            let stderr = machine.qemuStderr.split(separator: "\n").first { !$0.contains("warning:") }
            let detail = stderr.map(String.init) ?? error.message
            return Verdict(usable: false, reason: "QEMU could not boot a guest under KVM: \(detail)")
        }
    }
}
