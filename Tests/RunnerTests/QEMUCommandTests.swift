import Testing

@testable import Runner

@Suite struct QEMUCommandTests {
    static let firmware = Firmware(code: "/fw/OVMF_CODE_4M.fd", variables: "/run/OVMF_VARS.fd")

    func arguments(_ configuration: MachineConfiguration, _ plan: LaunchPlan) -> [String] {
        QEMUCommand.arguments(configuration: configuration, plan: plan)
    }

    /// The value following each occurrence of `option`.
    func values(of option: String, in arguments: [String]) -> [String] {
        zip(arguments, arguments.dropFirst()).filter { $0.0 == option }.map(\.1)
    }

    @Test func baseMachine() {
        let arguments = arguments(
            MachineConfiguration(memoryMiB: 3072, cpus: 4, network: nil), LaunchPlan(accelerator: .tcg))
        #expect(
            arguments == [
                "-machine", "q35", "-accel", "tcg", "-cpu", "qemu64", "-m", "3072", "-smp", "4",
                "-nographic", "-nodefaults", "-serial", "stdio", "-no-reboot", "-device", "virtio-rng-pci",
            ])
    }

    @Test(arguments: [
        (Accelerator.kvm, ["-accel", "kvm", "-cpu", "max"]),
        (Accelerator.tcg, ["-accel", "tcg", "-cpu", "qemu64"]),
    ])
    func acceleratorAndCPU(accelerator: Accelerator, expected: [String]) {
        let arguments = arguments(MachineConfiguration(), LaunchPlan(accelerator: accelerator))
        #expect(Array(arguments[2..<6]) == expected)
    }

    @Test(arguments: [
        (
            PlannedDisk(path: "/tmp/run/overlay.qcow2", format: .qcow2, throwaway: true),
            "if=none,id=disk0,format=qcow2,file=/tmp/run/overlay.qcow2,discard=unmap,cache=unsafe"
        ),
        (
            PlannedDisk(path: "/images/a.img", format: .raw, throwaway: false),
            "if=none,id=disk0,format=raw,file=/images/a.img,discard=unmap"
        ),
        (
            PlannedDisk(path: "/images/b.qcow2", format: .qcow2, throwaway: false),
            "if=none,id=disk0,format=qcow2,file=/images/b.qcow2,discard=unmap"
        ),
        (
            PlannedDisk(path: "/odd,name.img", format: .raw, throwaway: false),
            "if=none,id=disk0,format=raw,file=/odd,,name.img,discard=unmap"
        ),
    ])
    func disk(disk: PlannedDisk, drive: String) {
        let arguments = arguments(MachineConfiguration(), LaunchPlan(accelerator: .tcg, disk: disk))
        #expect(values(of: "-drive", in: arguments) == [drive])
        #expect(values(of: "-device", in: arguments).contains("virtio-blk-pci,drive=disk0,bootindex=1"))
    }

    @Test func noDiskNoBlockDevice() {
        let arguments = arguments(MachineConfiguration(), LaunchPlan(accelerator: .tcg))
        #expect(!arguments.contains { $0.contains("virtio-blk") })
    }

    @Test func uefiUsesTwoPflashUnitsCodeReadOnly() {
        let arguments = arguments(
            MachineConfiguration(boot: .uefi(firmware: nil)), LaunchPlan(accelerator: .tcg, firmware: Self.firmware))
        #expect(
            values(of: "-drive", in: arguments) == [
                "if=pflash,format=raw,unit=0,readonly=on,file=/fw/OVMF_CODE_4M.fd",
                "if=pflash,format=raw,unit=1,file=/run/OVMF_VARS.fd",
            ])
        #expect(!arguments.contains("-kernel"))
    }

    /// Secure Boot firmware runs with SMM and its variable flash secured; other firmware without.
    @Test func secureBootFirmwareGetsSMMAndASecureFlash() throws {
        let firmware = Firmware.secureBoot()
        #expect(firmware.code == "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd")
        #expect(firmware.variables == "/usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd")
        let secure = arguments(
            MachineConfiguration(boot: .uefi(firmware: firmware)), LaunchPlan(accelerator: .tcg, firmware: firmware))
        #expect(values(of: "-machine", in: secure) == ["q35,smm=on"])
        #expect(values(of: "-global", in: secure) == ["driver=cfi.pflash01,property=secure,value=on"])
        let plain = arguments(
            MachineConfiguration(boot: .uefi(firmware: nil)), LaunchPlan(accelerator: .tcg, firmware: Self.firmware))
        #expect(values(of: "-machine", in: plain) == ["q35"] && !plain.contains("-global"))
        // A missing variable store is named before QEMU starts.
        let missing = MachineConfiguration(boot: .uefi(firmware: .secureBoot(variables: "/nonexistent/VARS.fd")))
        let error = try #require(throws: RunnerError.self) { try missing.checkFiles() }
        #expect("\(error)".contains("/nonexistent/VARS.fd") && "\(error)".contains("UEFI variable store"), "\(error)")
    }

    @Test func directKernelBootHasNoFirmware() {
        let direct = DirectKernel(kernel: "/k/vmlinuz", initrd: "/k/initrd", commandLine: "console=ttyS0 panic=-1")
        let arguments = arguments(
            MachineConfiguration(boot: .directKernel(direct)), LaunchPlan(accelerator: .tcg, firmware: Self.firmware))
        #expect(values(of: "-kernel", in: arguments) == ["/k/vmlinuz"])
        #expect(values(of: "-initrd", in: arguments) == ["/k/initrd"])
        #expect(values(of: "-append", in: arguments) == ["console=ttyS0 panic=-1"])
        #expect(!arguments.contains { $0.contains("pflash") })
    }

    @Test func directKernelWithoutInitrdOrCommandLine() {
        let arguments = arguments(
            MachineConfiguration(boot: .directKernel(DirectKernel(kernel: "/k/vmlinuz"))), LaunchPlan(accelerator: .tcg)
        )
        #expect(values(of: "-kernel", in: arguments) == ["/k/vmlinuz"])
        #expect(!arguments.contains("-initrd") && !arguments.contains("-append"))
    }

    @Test func ignitionConfigGoesToFwCfg() {
        let arguments = arguments(
            MachineConfiguration(ignitionConfig: "/home/me/a,b.ign"), LaunchPlan(accelerator: .tcg))
        #expect(values(of: "-fw_cfg", in: arguments) == ["name=opt/com.coreos/config,file=/home/me/a,,b.ign"])
    }

    @Test func forwardsSSHFirstThenOthers() {
        let network = NetworkOptions(
            sshPort: 2222,
            forwards: [
                PortForward(hostPort: 8080, guestPort: 80), PortForward(transport: .udp, hostPort: 5353, guestPort: 53),
            ])
        let arguments = arguments(MachineConfiguration(network: network), LaunchPlan(accelerator: .tcg))
        #expect(
            values(of: "-netdev", in: arguments) == [
                "user,id=net0,hostfwd=tcp:127.0.0.1:2222-:22,hostfwd=tcp:127.0.0.1:8080-:80,"
                    + "hostfwd=udp:127.0.0.1:5353-:53"
            ])
        #expect(values(of: "-device", in: arguments).contains("virtio-net-pci,netdev=net0,romfile="))
    }

    @Test func networkWithoutForwards() {
        let arguments = arguments(MachineConfiguration(), LaunchPlan(accelerator: .tcg))
        #expect(values(of: "-netdev", in: arguments) == ["user,id=net0"])
    }

    @Test func noNetworkNoCard() {
        let arguments = arguments(MachineConfiguration(network: nil), LaunchPlan(accelerator: .tcg))
        #expect(!arguments.contains("-netdev"))
        #expect(!arguments.contains { $0.contains("virtio-net") })
    }

    @Test func monitorSocketStartsPaused() {
        let arguments = arguments(
            MachineConfiguration(), LaunchPlan(accelerator: .tcg, monitorSocket: "/tmp/run,1/qmp.sock"))
        #expect(values(of: "-qmp", in: arguments) == ["unix:/tmp/run,,1/qmp.sock,server=on,wait=off"])
        #expect(arguments.contains("-S"))
    }

    @Test func extraArgumentsComeLast() {
        let arguments = arguments(
            MachineConfiguration(extraArguments: ["-d", "guest_errors"]), LaunchPlan(accelerator: .tcg))
        #expect(Array(arguments.suffix(2)) == ["-d", "guest_errors"])
    }
}
