import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A throwaway certificate authority and a server certificate it signed, made by the openssl CLI
/// (an independent implementation of X.509) in a scratch directory.
public struct TestCertificateAuthority: Sendable {
    public let directory: String
    /// The CA certificate, PEM.
    public var certificatePath: String { directory + "/ca.pem" }
    public var certificatePEM: String { (try? String(contentsOfFile: certificatePath, encoding: .utf8)) ?? "" }

    /// A new CA named `name` (its subject's CN) in `directory`.
    public init(in directory: String, name: String = "slipway test CA") throws {
        self.directory = directory
        try Self.openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", directory + "/ca.key", "-out", certificatePath, "-days", "2", "-subj", "/CN=\(name)",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
    }

    /// A server certificate for `names` (subjectAltName entries: "DNS:localhost", "IP:127.0.0.1")
    /// signed by this CA; returns the certificate and key paths.
    public func issue(_ label: String, names: [String]) throws -> (certificate: String, key: String) {
        let base = directory + "/" + label
        try Self.openssl([
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", base + ".key",
            "-out", base + ".csr", "-subj", "/CN=\(label)",
        ])
        let extensions = """
            basicConstraints=CA:FALSE
            extendedKeyUsage=serverAuth
            subjectAltName=\(names.joined(separator: ","))

            """
        try extensions.write(toFile: base + ".ext", atomically: false, encoding: .utf8)
        try Self.openssl([
            "x509", "-req", "-in", base + ".csr", "-CA", certificatePath, "-CAkey", directory + "/ca.key",
            "-CAcreateserial", "-days", "2", "-out", base + ".pem", "-extfile", base + ".ext",
        ])
        return (base + ".pem", base + ".key")
    }

    static func openssl(_ arguments: [String]) throws {
        let result = try runTool(["openssl"] + arguments)
        guard result.status == 0 else {
            throw TLSTestServer.Failure("openssl \(arguments.first ?? ""): \(result.stderr)")
        }
    }
}

/// `openssl s_server -WWW` on 127.0.0.1 (a port the kernel picks), serving the files of a
/// directory over TLS with the given certificate; stopped when released.
public final class TLSTestServer: @unchecked Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    public let port: Int
    private let process: Process

    public init(certificate: String, key: String, serving directory: String) throws {
        let log = directory + "/.s_server.log"
        FileManager.default.createFile(atPath: log, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "s_server", "-WWW", "-accept", "127.0.0.1:0", "-cert", certificate, "-key", key,
        ]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // s_server prints "ACCEPT 127.0.0.1:PORT" once it listens.
        var found: Int?
        for _ in 0..<200 where found == nil {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("ACCEPT ") }),
                let colon = line.lastIndex(of: ":")
            {
                found = Int(line[line.index(after: colon)...])
            } else {
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        guard let found, process.isRunning else {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            throw Failure("openssl s_server did not start listening")
        }
        port = found
    }

    deinit { stop() }

    /// Kills s_server (it does not always act on SIGTERM while it serves) and reaps it.
    private func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
