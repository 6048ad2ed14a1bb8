// Signing EFI programs for Secure Boot (Authenticode, as the firmware checks them) with sbsign from
// sbsigntool, and checking each signature with sbverify before it is used: a key that does not
// match its certificate fails the build, not the boot.
//
// The signature holds a signing time, which OpenSSL takes from the clock. sbsign runs under
// faketime with the clock stopped at the build's SOURCE_DATE_EPOCH, so that signed images are
// byte-identical across builds like unsigned ones (an RSA PKCS #1 v1.5 signature of the same bytes
// is the same).
import Foundation

/// A Secure Boot signing key and its X.509 certificate, both PEM files.
public struct SecureBootSigner: Sendable {
    public let keyPath: String
    public let certificatePath: String

    static let sbsign = ExternalTool(name: "sbsign", package: "sbsigntool")
    static let sbverify = ExternalTool(name: "sbverify", package: "sbsigntool")
    static let faketime = ExternalTool(name: "faketime", package: "faketime")

    /// Checks both files before anything is built: readable, PEM, a key sbsign can read without a
    /// passphrase (it would stop and ask for one), a certificate.
    public init(keyPath: String, certificatePath: String) throws {
        let key = try Self.readPEM(keyPath, flag: "--secure-boot-key")
        if key.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") || key.contains("Proc-Type: 4,ENCRYPTED") {
            throw DiskError.invalidSigningInput(
                flag: "--secure-boot-key", path: keyPath,
                rule: "the key is encrypted and the build cannot ask for its passphrase; decrypt a copy with "
                    + "`openssl pkey -in KEY -out KEY.plain` and keep it private")
        }
        guard key.contains("PRIVATE KEY-----") else {
            throw DiskError.invalidSigningInput(
                flag: "--secure-boot-key", path: keyPath, rule: "expected a PEM private key (BEGIN PRIVATE KEY)")
        }
        guard try Self.readPEM(certificatePath, flag: "--secure-boot-cert").contains("-----BEGIN CERTIFICATE-----")
        else {
            throw DiskError.invalidSigningInput(
                flag: "--secure-boot-cert", path: certificatePath,
                rule: "expected a PEM X.509 certificate (BEGIN CERTIFICATE)")
        }
        self.keyPath = keyPath
        self.certificatePath = certificatePath
    }

    /// `program` signed at `epoch` (its signing time); `name` says which program in messages. The
    /// signature is verified against the certificate before it is returned.
    public func sign(_ program: [UInt8], name: String, epoch: Int64, scratch: String) throws -> [UInt8] {
        let unsigned = scratch + "/" + name + ".unsigned"
        let signed = scratch + "/" + name + ".signed"
        defer { for path in [unsigned, signed] { unlink(path) } }
        guard FileManager.default.createFile(atPath: unsigned, contents: Data(program)) else {
            throw DiskError.io(operation: "write \(name) for signing", path: unsigned, errno: errno)
        }
        // faketime reads an absolute time without "@" as a stopped clock, in TZ (ExternalTool: UTC).
        try Self.faketime.check(
            [
                "-f", Self.utcDate(epoch), try Self.sbsign.locate(), "--key", keyPath, "--cert", certificatePath,
                "--output", signed, unsigned,
            ])
        try Self.sbverify.check(["--cert", certificatePath, signed])
        guard let bytes = FileManager.default.contents(atPath: signed) else {
            throw DiskError.io(operation: "read signed \(name)", path: signed, errno: errno)
        }
        return Array(bytes)
    }

    /// "2023-11-14 22:13:20" for 1700000000.
    static func utcDate(_ epoch: Int64) -> String {
        var seconds = time_t(epoch)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
    }

    private static func readPEM(_ path: String, flag: String) throws -> String {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw DiskError.invalidSigningInput(flag: flag, path: path, rule: String(cString: strerror(errno)))
        }
        guard status.st_mode & S_IFMT == S_IFREG, status.st_size <= 1 << 20,
            let bytes = FileManager.default.contents(atPath: path)
        else {
            throw DiskError.invalidSigningInput(flag: flag, path: path, rule: "expected a readable PEM file")
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
