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
/// The raw values are QEMU's driver names (`vpc` is VHD).
public enum ImageFormat: String, Sendable, Equatable {
    case raw
    case qcow2
    /// A VMDK (slipway writes streamOptimized ones), read only: QEMU cannot rewrite its compressed grains.
    case vmdk
    /// A VHD (slipway writes fixed ones: the raw disk and a 512-byte footer).
    case vpc

    /// qcow2 files start with "QFI\xfb".
    static let qcow2Magic: [UInt8] = [0x51, 0x46, 0x49, 0xFB]
    /// VMDK sparse extents start with "KDMV".
    static let vmdkMagic = Array("KDMV".utf8)
    /// A VHD's footer (its last 512 bytes; a dynamic VHD also starts with a copy) starts with "conectix".
    static let vhdCookie = Array("conectix".utf8)
    /// gzip's magic number: GCE's NAME.tar.gz, which QEMU cannot boot.
    static let gzipMagic: [UInt8] = [0x1F, 0x8B]

    /// Reads the first bytes of `path` (and a VHD's footer at its end): qcow2, VMDK or VHD by their
    /// magic numbers, raw otherwise. A gzip file (GCE's NAME.tar.gz) is refused with what to boot instead.
    public static func detect(path: String) throws(RunnerError) -> ImageFormat {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw RunnerError(
                .invalidConfiguration, operation: "open disk image", subject: path,
                message: "the file does not exist or is not readable; build one with `slipway build PROFILE`")
        }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 8)) ?? Data())
        if head.starts(with: qcow2Magic) { return .qcow2 }
        if head.starts(with: vmdkMagic) { return .vmdk }
        if head == vhdCookie { return .vpc }
        if head.starts(with: gzipMagic) {
            throw RunnerError(
                .invalidConfiguration, operation: "open disk image", subject: path,
                message: "a gzip file (GCE's NAME.tar.gz?) is no disk QEMU can boot; give NAME.img, built beside it")
        }
        guard let end = try? handle.seekToEnd(), end >= 512 else { return .raw }
        try? handle.seek(toOffset: end - 512)
        let footer = [UInt8]((try? handle.read(upToCount: 8)) ?? Data())
        return footer == vhdCookie ? .vpc : .raw
    }

    /// The size of the disk the image holds: the file's size for raw, the header's for qcow2 (a
    /// big-endian u64 at byte 24) and VMDK (little-endian sectors at byte 12), the footer's current
    /// size for VHD (a big-endian u64 at byte 48).
    public func virtualSize(path: String) throws(RunnerError) -> UInt64 {
        let failure = RunnerError(
            .invalidConfiguration, operation: "read disk image size", subject: path,
            message: "the file is not readable or its \(rawValue) header is cut short")
        guard let handle = FileHandle(forReadingAtPath: path) else { throw failure }
        defer { try? handle.close() }
        func field(at offset: UInt64, bigEndian: Bool) throws(RunnerError) -> UInt64 {
            guard (try? handle.seek(toOffset: offset)) != nil, let bytes = try? handle.read(upToCount: 8),
                bytes.count == 8
            else { throw failure }
            let ordered = bigEndian ? Array(bytes) : bytes.reversed()
            return ordered.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        }
        switch self {
        case .raw:
            guard let end = try? handle.seekToEnd() else { throw failure }
            return end
        case .qcow2:
            return try field(at: 24, bigEndian: true)
        case .vmdk:
            return try field(at: 12, bigEndian: false) * 512
        case .vpc:
            guard let end = try? handle.seekToEnd(), end >= 512 else { throw failure }
            return try field(at: end - 512 + 48, bigEndian: true)
        }
    }
}
