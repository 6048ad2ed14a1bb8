import Foundation

/// UEFI firmware split the way QEMU's pflash wants it: read-only code and a variable store template.
///
/// The variable store is never used in place: every run boots with a private copy, so boot entries and
/// boot-counting state written by one run never leak into the host's template or into another run.
public struct Firmware: Sendable, Equatable {
    /// The firmware code volume (`OVMF_CODE*.fd`), attached read-only as pflash unit 0.
    public var code: String
    /// The template of the variable store (`OVMF_VARS*.fd`) that each run copies to pflash unit 1.
    public var variables: String
    /// Firmware built with Secure Boot, which QEMU must run with SMM and a secure flash so that the
    /// guest cannot rewrite the key databases.
    public var secureBoot: Bool

    public init(code: String, variables: String, secureBoot: Bool = false) {
        self.code = code
        self.variables = variables
        self.secureBoot = secureBoot
    }

    /// Debian's Secure Boot build of OVMF. Its default variable store is the one with Debian's
    /// snakeoil key enrolled as PK, KEK and db (`/usr/share/ovmf/PkKek-1-snakeoil.pem`: sign with
    /// its key for tests only); `variables` gives a store with other keys (made with virt-fw-vars).
    public static func secureBoot(variables: String? = nil) -> Firmware {
        Firmware(
            code: "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd",
            variables: variables ?? "/usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd", secureBoot: true)
    }

    /// Code and variable-store pairs in the order they are tried. Each pair must come from one build:
    /// a 4 MiB code volume only works with a 4 MiB (540 KiB) variable store.
    public static let knownLocations: [Firmware] = [
        // Debian and Ubuntu (ovmf), current 4 MiB flash layout, then the older 2 MiB one.
        Firmware(code: "/usr/share/OVMF/OVMF_CODE_4M.fd", variables: "/usr/share/OVMF/OVMF_VARS_4M.fd"),
        Firmware(code: "/usr/share/OVMF/OVMF_CODE.fd", variables: "/usr/share/OVMF/OVMF_VARS.fd"),
        // Fedora and RHEL (edk2-ovmf).
        Firmware(code: "/usr/share/edk2/ovmf/OVMF_CODE.fd", variables: "/usr/share/edk2/ovmf/OVMF_VARS.fd"),
        // Arch Linux (edk2-ovmf).
        Firmware(code: "/usr/share/edk2/x64/OVMF_CODE.4m.fd", variables: "/usr/share/edk2/x64/OVMF_VARS.4m.fd"),
        // QEMU's own build (also what Homebrew installs).
        Firmware(code: "/usr/share/qemu/edk2-x86_64-code.fd", variables: "/usr/share/qemu/edk2-i386-vars.fd"),
    ]

    /// The first known firmware pair present on this host, or nil if none is installed.
    ///
    /// `SLIPWAY_OVMF_CODE` and `SLIPWAY_OVMF_VARS` in the environment override the search.
    public static func locate(
        environment: [String: String]? = nil, candidates: [Firmware] = knownLocations
    ) -> Firmware? {
        let environment = environment ?? ProcessInfo.processInfo.environment
        if let code = environment["SLIPWAY_OVMF_CODE"], let variables = environment["SLIPWAY_OVMF_VARS"] {
            return Firmware(code: code, variables: variables)
        }
        let files = FileManager.default
        return candidates.first { files.isReadableFile(atPath: $0.code) && files.isReadableFile(atPath: $0.variables) }
    }

    /// Throws unless both files are readable; the message says which package provides them.
    func check() throws(RunnerError) {
        for path in [code, variables] where !FileManager.default.isReadableFile(atPath: path) {
            throw RunnerError(
                .invalidConfiguration, operation: "find UEFI firmware", subject: path,
                message: "the file is missing or unreadable; install OVMF (Debian: apt-get install ovmf) "
                    + "or set SLIPWAY_OVMF_CODE and SLIPWAY_OVMF_VARS")
        }
    }

    /// The error for a host without any known firmware.
    static func notFound() -> RunnerError {
        RunnerError(
            .invalidConfiguration, operation: "find UEFI firmware",
            message: "no OVMF firmware found (looked for \(knownLocations.map(\.code).joined(separator: ", "))); "
                + "install OVMF (Debian: apt-get install ovmf) or set SLIPWAY_OVMF_CODE and SLIPWAY_OVMF_VARS")
    }
}
