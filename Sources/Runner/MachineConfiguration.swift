import Foundation

/// What to boot and how: the input of `QEMUCommand` and `Machine`.
///
/// The defaults match what slipway images are tested with: q35, 2 vCPUs, 2 GiB, UEFI firmware from the
/// host's OVMF, user-mode networking, a throwaway overlay over the image.
public struct MachineConfiguration: Sendable, Equatable {
    /// The disk image to attach as a virtio-blk disk, if any.
    public var disk: DiskAttachment?
    /// How the machine starts: UEFI firmware (the default) or a kernel handed to QEMU directly.
    public var boot: BootMethod
    /// Guest memory in MiB.
    public var memoryMiB: Int
    /// Number of virtual CPUs.
    public var cpus: Int
    /// User-mode networking with its host port forwards; nil leaves the machine without a network card.
    public var network: NetworkOptions?
    /// An Ignition config handed to the guest as fw_cfg `opt/com.coreos/config`.
    public var ignitionConfig: String?
    /// Which accelerator to use; `.auto` takes KVM only after `KVMProbe` proved that it runs a guest.
    public var acceleration: Acceleration
    /// The QEMU system emulator: a path, or a name looked up in PATH.
    public var qemu: String
    /// The image tool used to create overlays: a path, or a name looked up in PATH.
    public var qemuImg: String
    /// Arguments appended verbatim to the QEMU command line, after everything slipway adds.
    public var extraArguments: [String]

    public init(
        disk: DiskAttachment? = nil,
        boot: BootMethod = .uefi(firmware: nil),
        memoryMiB: Int = 2048,
        cpus: Int = 2,
        network: NetworkOptions? = NetworkOptions(),
        ignitionConfig: String? = nil,
        acceleration: Acceleration = .auto,
        qemu: String = "qemu-system-x86_64",
        qemuImg: String = "qemu-img",
        extraArguments: [String] = []
    ) {
        self.disk = disk
        self.boot = boot
        self.memoryMiB = memoryMiB
        self.cpus = cpus
        self.network = network
        self.ignitionConfig = ignitionConfig
        self.acceleration = acceleration
        self.qemu = qemu
        self.qemuImg = qemuImg
        self.extraArguments = extraArguments
    }
}

/// A disk image and whether the guest's writes go into it.
public struct DiskAttachment: Sendable, Equatable {
    /// The image file (raw, qcow2, VMDK or VHD; the format is read from the file's magic number).
    public var path: String
    /// Write straight into the image instead of a throwaway qcow2 overlay that is deleted after the run.
    public var persist: Bool
    /// The size in MiB of the disk the guest sees, larger than the image: the throwaway overlay is made
    /// that large (the image's STATE grows into it on boot). nil keeps the image's size.
    public var sizeMiB: Int?

    public init(path: String, persist: Bool = false, sizeMiB: Int? = nil) {
        self.path = path
        self.persist = persist
        self.sizeMiB = sizeMiB
    }
}

/// How the machine gets its first instructions.
public enum BootMethod: Sendable, Equatable {
    /// UEFI firmware in two pflash devices; nil means `Firmware.locate()` picks the host's OVMF.
    case uefi(firmware: Firmware?)
    /// QEMU loads a kernel (and initrd) itself; the legacy BIOS runs, no OVMF. For tests and debugging.
    case directKernel(DirectKernel)
}

/// A kernel, an optional initrd and a command line for a direct kernel boot.
public struct DirectKernel: Sendable, Equatable {
    public var kernel: String
    public var initrd: String?
    public var commandLine: String?

    public init(kernel: String, initrd: String? = nil, commandLine: String? = nil) {
        self.kernel = kernel
        self.initrd = initrd
        self.commandLine = commandLine
    }
}

/// The choice of accelerator as the user states it.
public enum Acceleration: String, Sendable, Equatable, CaseIterable {
    /// KVM if `KVMProbe` proves it runs a guest, TCG otherwise.
    case auto
    /// KVM, and fail if QEMU cannot use it.
    case kvm
    /// TCG software emulation: slow but works everywhere.
    case tcg
}

/// The accelerator a run actually uses.
public enum Accelerator: String, Sendable, Equatable {
    case kvm
    case tcg
}

/// User-mode (slirp) networking: the guest reaches out through the host, the host reaches in through forwards.
public struct NetworkOptions: Sendable, Equatable {
    /// A host port on 127.0.0.1 forwarded to the guest's port 22.
    public var sshPort: Int?
    /// More host-to-guest port forwards.
    public var forwards: [PortForward]

    public init(sshPort: Int? = nil, forwards: [PortForward] = []) {
        self.sshPort = sshPort
        self.forwards = forwards
    }

    /// All forwards, the SSH one first.
    public var allForwards: [PortForward] {
        (sshPort.map { [PortForward(hostPort: $0, guestPort: 22)] } ?? []) + forwards
    }
}

/// One host port (on 127.0.0.1) forwarded to a guest port.
public struct PortForward: Sendable, Equatable {
    public enum Transport: String, Sendable, Equatable {
        case tcp
        case udp
    }

    public var transport: Transport
    public var hostPort: Int
    public var guestPort: Int

    public init(transport: Transport = .tcp, hostPort: Int, guestPort: Int) {
        self.transport = transport
        self.hostPort = hostPort
        self.guestPort = guestPort
    }

    /// Parses `HOST:GUEST`, `tcp:HOST:GUEST` or `udp:HOST:GUEST`.
    public init(parsing text: String) throws(RunnerError) {
        var parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        var transport = Transport.tcp
        if parts.count == 3 {
            guard let named = Transport(rawValue: parts[0].lowercased()) else {
                throw Self.invalid(text, "unknown transport \"\(parts[0])\"; use tcp or udp")
            }
            transport = named
            parts.removeFirst()
        }
        guard parts.count == 2 else {
            throw Self.invalid(text, "expected HOST:GUEST like 8080:80, optionally prefixed with tcp: or udp:")
        }
        guard let host = Self.port(parts[0]), let guest = Self.port(parts[1]) else {
            throw Self.invalid(text, "ports must be numbers from 1 to 65535")
        }
        self.init(transport: transport, hostPort: host, guestPort: guest)
    }

    private static func port(_ text: String) -> Int? {
        guard let value = Int(text), (1...65535).contains(value) else { return nil }
        return value
    }

    private static func invalid(_ text: String, _ rule: String) -> RunnerError {
        RunnerError(.invalidConfiguration, operation: "parse port forward", subject: "\"\(text)\"", message: rule)
    }
}

extension MachineConfiguration {
    /// Checks that the disk image, the Ignition config and a direct boot's kernel and initrd exist
    /// and can be read. `Machine.start` checks them too; a command checks first so that a mistyped
    /// path fails at once, before the KVM probe boots a guest.
    public func checkFiles() throws(RunnerError) {
        if let disk { _ = try ImageFormat.detect(path: disk.path) }
        var files: [(String, String)] = []
        if let ignitionConfig { files.append((ignitionConfig, "Ignition config")) }
        if case .directKernel(let direct) = boot {
            files.append((direct.kernel, "kernel"))
            if let initrd = direct.initrd { files.append((initrd, "initrd")) }
        }
        if case .uefi(let firmware?) = boot, firmware.secureBoot {
            files.append((firmware.code, "Secure Boot firmware (Debian package ovmf)"))
            files.append((firmware.variables, "UEFI variable store"))
        }
        for (path, what) in files where !FileManager.default.isReadableFile(atPath: path) {
            throw RunnerError(
                .invalidConfiguration, operation: "configure machine", subject: path,
                message: "the \(what) does not exist or is not readable")
        }
    }
}
