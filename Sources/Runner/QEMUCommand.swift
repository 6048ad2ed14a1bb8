import Foundation

/// Builds the QEMU command line. Pure: no file is touched, so every choice is unit-testable.
///
/// The machine is a q35 PC without default devices (`-nodefaults`): the serial console on stdio is the
/// only console, the disk is virtio-blk, the network card virtio-net on user-mode networking, and a
/// virtio RNG spares the guest a slow wait for entropy. `-no-reboot` turns a guest reboot (or a kernel
/// panic with `panic=-1`) into QEMU exiting, so a run always ends.
public enum QEMUCommand {
    /// The fw_cfg key Ignition reads its config from on QEMU.
    public static let ignitionConfigKey = "opt/com.coreos/config"

    /// The arguments after the program name.
    public static func arguments(configuration: MachineConfiguration, plan: LaunchPlan) -> [String] {
        // Secure Boot firmware keeps its variables in SMM-only flash: without SMM it does not start.
        let secureBoot = plan.firmware?.secureBoot == true
        var arguments = ["-machine", secureBoot ? "q35,smm=on" : "q35"]
        if secureBoot { arguments += ["-global", "driver=cfi.pflash01,property=secure,value=on"] }
        arguments += accelerator(plan.accelerator)
        arguments += ["-m", String(configuration.memoryMiB), "-smp", String(configuration.cpus)]
        arguments += ["-nographic", "-nodefaults", "-serial", "stdio", "-no-reboot"]
        if let socket = plan.monitorSocket {
            // Start paused: the guest runs only once the monitor is connected, so no event is missed.
            arguments += ["-qmp", "unix:\(escape(socket)),server=on,wait=off", "-S"]
        }
        arguments += boot(configuration.boot, firmware: plan.firmware)
        if let disk = plan.disk {
            arguments += diskArguments(disk)
        }
        if let network = configuration.network {
            arguments += networkArguments(network)
        }
        if let config = configuration.ignitionConfig {
            arguments += ["-fw_cfg", "name=\(ignitionConfigKey),file=\(escape(config))"]
        }
        arguments += ["-device", "virtio-rng-pci"]
        return arguments + configuration.extraArguments
    }

    /// `-accel` and a CPU model: under KVM the host's CPU (`max`); under TCG `qemu64`, which emulates
    /// 10–25% faster than `max`.
    static func accelerator(_ accelerator: Accelerator) -> [String] {
        switch accelerator {
        case .kvm: ["-accel", "kvm", "-cpu", "max"]
        case .tcg: ["-accel", "tcg", "-cpu", "qemu64"]
        }
    }

    static func boot(_ method: BootMethod, firmware: Firmware?) -> [String] {
        switch method {
        case .uefi:
            guard let firmware else { return [] }
            return [
                "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=\(escape(firmware.code))",
                "-drive", "if=pflash,format=raw,unit=1,file=\(escape(firmware.variables))",
            ]
        case .directKernel(let direct):
            var arguments = ["-kernel", direct.kernel]
            if let initrd = direct.initrd { arguments += ["-initrd", initrd] }
            if let line = direct.commandLine { arguments += ["-append", line] }
            return arguments
        }
    }

    static func diskArguments(_ disk: PlannedDisk) -> [String] {
        var drive = "if=none,id=disk0,format=\(disk.format.rawValue),file=\(escape(disk.path)),discard=unmap"
        if disk.throwaway { drive += ",cache=unsafe" }
        return ["-drive", drive, "-device", "virtio-blk-pci,drive=disk0,bootindex=1"]
    }

    static func networkArguments(_ network: NetworkOptions) -> [String] {
        var netdev = "user,id=net0"
        for forward in network.allForwards {
            netdev += ",hostfwd=\(forward.transport.rawValue):127.0.0.1:\(forward.hostPort)-:\(forward.guestPort)"
        }
        // No option ROM: the legacy BIOS would spend time initializing iPXE, and OVMF has its own driver.
        return ["-netdev", netdev, "-device", "virtio-net-pci,netdev=net0,romfile="]
    }

    /// QEMU splits option values at commas; a literal comma in a path is written twice.
    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: ",", with: ",,")
    }
}
