// A real OCI registry for tests: Debian's docker-registry (distribution 2.8) serving a storage
// directory in a fresh temporary directory on a free loopback port, stopped when released.
import Foundation

/// `docker-registry serve` on 127.0.0.1, optionally behind htpasswd (Basic) authentication.
public final class RegistryServer: @unchecked Sendable {
    public let port: Int
    public let directory: TemporaryDirectory
    public var storage: String { directory.file("storage") }
    private var process: Process?

    /// `127.0.0.1:PORT`.
    public var host: String { "127.0.0.1:\(port)" }

    /// The distribution token authentication a registry can ask for: clients get a token from
    /// `realm`, which the registry accepts when a key of `certificates` (PEM) signed it for
    /// `service` as `issuer`.
    public struct TokenAuthentication: Sendable {
        public var realm: String
        public var service: String
        public var issuer: String
        public var certificates: String

        public init(realm: String, service: String, issuer: String, certificates: String) {
            self.realm = realm
            self.service = service
            self.issuer = issuer
            self.certificates = certificates
        }
    }

    /// Starts a registry; with `user` and `password`, it asks for them (htpasswd, bcrypt); with
    /// `token`, it asks for a Bearer token from the token server.
    public init(user: String? = nil, password: String? = nil, token: TokenAuthentication? = nil) throws {
        let program = "/usr/bin/docker-registry"
        guard FileManager.default.isExecutableFile(atPath: program) else {
            throw FixtureError("\(program) is missing: apt-get install docker-registry (make deps installs it)")
        }
        directory = try TemporaryDirectory("registry")
        port = try Self.freePort()
        var auth = ""
        if let user, let password {
            let hash = try runTool([
                "python3", "-W", "ignore", "-c",
                "import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))", password,
            ])
            try Data("\(user):\(hash.stdout.trimmingCharacters(in: .whitespacesAndNewlines))\n".utf8)
                .write(to: URL(fileURLWithPath: directory.file("htpasswd")))
            auth = "auth:\n  htpasswd:\n    realm: slipway-test\n    path: \(directory.file("htpasswd"))\n"
        }
        if let token {
            auth =
                "auth:\n  token:\n    realm: \(token.realm)\n    service: \(token.service)\n"
                + "    issuer: \(token.issuer)\n    rootcertbundle: \(token.certificates)\n"
        }
        let config = """
            version: 0.1
            log:
              level: error
              accesslog:
                disabled: true
            storage:
              filesystem:
                rootdirectory: \(directory.file("storage"))
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:\(port)
            \(auth)
            """
        try Data(config.utf8).write(to: URL(fileURLWithPath: directory.file("config.yml")))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = ["serve", directory.file("config.yml")]
        FileManager.default.createFile(atPath: directory.file("registry.log"), contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.file("registry.log")))
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        // It takes a moment to listen: poll the port for up to 20 seconds.
        for _ in 0..<200 {
            if Self.accepts(port: port) { return }
            guard process.isRunning else { break }
            usleep(100_000)
        }
        let text = (try? String(contentsOfFile: directory.file("registry.log"), encoding: .utf8)) ?? ""
        stop()
        throw FixtureError("docker-registry did not listen on 127.0.0.1:\(port): \(text)")
    }

    /// Stops the registry (the storage stays until the value is released).
    public func stop() {
        guard let process else { return }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        self.process = nil
    }

    deinit { stop() }

    /// The data file of a blob in the storage directory (distribution's filesystem layout).
    public func blobData(hex: String) -> String {
        "\(storage)/docker/registry/v2/blobs/sha256/\(hex.prefix(2))/\(hex)/data"
    }

    /// The blobs the storage holds, by hex digest.
    public func blobs() -> [String] {
        let root = "\(storage)/docker/registry/v2/blobs/sha256"
        let prefixes = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return prefixes.flatMap { (try? FileManager.default.contentsOfDirectory(atPath: "\(root)/\($0)")) ?? [] }
            .sorted()
    }

    private static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw FixtureError("socket: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else { throw FixtureError("bind: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func accepts(port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
