import Foundation
import TestSupport
import Testing

/// First boot on Azure and DigitalOcean, under QEMU (TCG) with the real Debian cloud kernel: the
/// metadata service at 169.254.169.254 is a server on host loopback that QEMU's user network
/// forwards to (as in FirstBootBootTests' EC2 and GCE boots), and the config it gives is applied
/// before the root's init prints what it produced.
@Suite(.serialized) struct CloudMetadataBootTests {
    typealias Machine = FirstBootBootTests.Machine
    static let key = FirstBootBootTests.key
    static let azurePath = "/metadata/instance/compute/userData?api-version=2021-01-01&format=text"

    @Test func fetchesTheConfigFromAzureIMDS() throws {
        let scratch = try TemporaryDirectory("firstboot-azure")
        let machine = try Machine(scratch)
        let motd = "hello from Azure IMDS\n"
        let hash = try FirstBootBootTests.sha256(Data(motd.utf8))
        let attempts = Counter()
        let server = try TestHTTPServer { request, port in
            switch (request.method, request.path) {
            case ("GET", Self.azurePath):
                // The real service refuses requests without the header (400), and answers 410 while
                // the VM's metadata is not ready: the first request gets that and must be retried.
                guard request.headers["metadata"] == "true" else { return .status(400) }
                if attempts.increment() == 1 { return .status(410) }
                let config = """
                    {"ignition": {"version": "3.4.0"},
                     "storage": {"files": [{"path": "/etc/motd.d/hello", "mode": 416, "contents": {
                       "source": "http://169.254.169.2:\(port)/motd", "verification": {"hash": "sha256-\(hash)"}}}]},
                     "passwd": {"users": [{"name": "core", "sshAuthorizedKeys": ["\(Self.key)"]}]}}
                    """
                return .status(200, Data(config.utf8).base64EncodedString())
            case ("GET", "/motd"): return .status(200, motd)
            default: return .status(404)
            }
        }
        let boot = try machine.boot("azure", platform: "azure", metadataService: server)
        print("Azure boot, \(String(format: "%.1f", boot.seconds)) s:\n" + boot.initrdLines.joined(separator: "\n"))
        #expect(boot.printed("slipway: ready"))
        #expect(boot.initrdSteps.contains("first boot: platform azure (slipway.platform=azure)"))
        #expect(
            boot.initrdSteps.contains {
                $0.hasPrefix("first boot: config from Azure IMDS instance/compute/userData: ")
            },
            "\(boot.initrdLines)")
        #expect(boot.initrdSteps.contains("network: eth0 released 169.254.169.15 and is down"))
        #expect(boot.printed("root: file 640 0:0 hello from Azure IMDS"))
        #expect(boot.printed("root: keys 600 core \(Self.key)"))
        #expect(boot.initrdErrors.isEmpty, "\(boot)")
        let requests = server.requests
        #expect(
            requests.map { "\($0.method) \($0.path)" } == [
                "GET \(Self.azurePath)", "GET \(Self.azurePath)", "GET /motd",
            ])
        #expect(requests.first?.headers["host"] == "169.254.169.254")
    }

    @Test func fetchesTheConfigFromDigitalOceanMetadata() throws {
        let scratch = try TemporaryDirectory("firstboot-digitalocean")
        let machine = try Machine(scratch)
        let server = try TestHTTPServer { request in
            guard request.method == "GET", request.path == "/metadata/v1/user-data" else { return .status(404) }
            return .ok(
                """
                {"ignition": {"version": "3.4.0"},
                 "storage": {"files": [{"path": "/etc/motd.d/hello", "mode": 420,
                   "contents": {"source": "data:,hello%20from%20DigitalOcean%20metadata"}}]},
                 "passwd": {"users": [{"name": "core", "sshAuthorizedKeys": ["\(Self.key)"]}]}}
                """)
        }
        let boot = try machine.boot("digitalocean", platform: "digitalocean", metadataService: server)
        print(
            "DigitalOcean boot, \(String(format: "%.1f", boot.seconds)) s:\n" + boot.initrdLines.joined(separator: "\n")
        )
        #expect(boot.printed("slipway: ready"))
        #expect(boot.initrdSteps.contains("first boot: platform digitalocean (slipway.platform=digitalocean)"))
        #expect(
            boot.initrdSteps.contains { $0.hasPrefix("first boot: config from DigitalOcean metadata v1/user-data: ") },
            "\(boot.initrdLines)")
        #expect(boot.printed("root: file 644 0:0 hello from DigitalOcean metadata"))
        #expect(boot.printed("root: keys 600 core \(Self.key)"))
        #expect(boot.initrdErrors.isEmpty, "\(boot)")
        #expect(server.requests.map { "\($0.method) \($0.path)" } == ["GET /metadata/v1/user-data"])
        #expect(server.requests.first?.headers["host"] == "169.254.169.254")
    }
}

/// A thread-safe count of calls, for servers that answer differently over time.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    /// The count after this call: 1 for the first.
    func increment() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
