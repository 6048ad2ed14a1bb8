import Foundation

/// The resolved facts of one run that the configuration alone does not say: the accelerator the probe chose,
/// the disk file actually attached (an overlay or the image), the private firmware variable store, the
/// monitor socket. `RunDirectory` makes one; `QEMUCommand` turns configuration and plan into arguments.
public struct LaunchPlan: Sendable, Equatable {
    /// The accelerator this run uses.
    public var accelerator: Accelerator
    /// The disk QEMU opens, if the configuration has one.
    public var disk: PlannedDisk?
    /// The firmware code and this run's private copy of the variable store (UEFI boots only).
    public var firmware: Firmware?
    /// A QMP socket path; when set, QEMU starts paused and waits for `cont` on it.
    public var monitorSocket: String?

    public init(
        accelerator: Accelerator, disk: PlannedDisk? = nil, firmware: Firmware? = nil, monitorSocket: String? = nil
    ) {
        self.accelerator = accelerator
        self.disk = disk
        self.firmware = firmware
        self.monitorSocket = monitorSocket
    }
}

/// The disk file QEMU attaches and how.
public struct PlannedDisk: Sendable, Equatable {
    /// The file QEMU opens: a throwaway overlay, or the image itself with `--persist`.
    public var path: String
    /// The format of `path` (an overlay is always qcow2).
    public var format: ImageFormat
    /// True for a throwaway overlay: QEMU may skip flushes (`cache=unsafe`) since nothing survives the run.
    public var throwaway: Bool

    public init(path: String, format: ImageFormat, throwaway: Bool) {
        self.path = path
        self.format = format
        self.throwaway = throwaway
    }
}

/// Disk image formats QEMU is told about explicitly (never probed, so a raw image cannot pose as qcow2).
public enum ImageFormat: String, Sendable, Equatable {
    case raw
    case qcow2

    /// qcow2 files start with "QFI\xfb".
    static let qcow2Magic: [UInt8] = [0x51, 0x46, 0x49, 0xFB]

    /// Reads the first bytes of `path`: qcow2 by its magic number, raw otherwise.
    public static func detect(path: String) throws(RunnerError) -> ImageFormat {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw RunnerError(
                .invalidConfiguration, operation: "open disk image", subject: path,
                message: "the file does not exist or is not readable; build one with `slipway build PROFILE`")
        }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 4)) ?? Data()
        return [UInt8](head) == qcow2Magic ? .qcow2 : .raw
    }

    /// The size of the disk the image holds: the file's size for raw, the header's (a big-endian
    /// u64 at byte 24) for qcow2.
    public func virtualSize(path: String) throws(RunnerError) -> UInt64 {
        let failure = RunnerError(
            .invalidConfiguration, operation: "read disk image size", subject: path,
            message: "the file is not readable or its qcow2 header is cut short")
        guard let handle = FileHandle(forReadingAtPath: path) else { throw failure }
        defer { try? handle.close() }
        switch self {
        case .raw:
            guard let end = try? handle.seekToEnd() else { throw failure }
            return end
        case .qcow2:
            guard let header = try? handle.read(upToCount: 32), header.count == 32 else { throw failure }
            return header.suffix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        }
    }
}
