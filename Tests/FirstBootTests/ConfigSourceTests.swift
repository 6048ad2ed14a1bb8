// Config sources against local stand-ins: a fw_cfg file, kernel command lines, and EC2, GCE and
// OpenStack metadata services served on 127.0.0.1 (the image uses 169.254.169.254).
import FirstBoot
import Foundation
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(10))) struct ConfigSourceTests {
    static let config = #"{"ignition":{"version":"3.3.0"}}"#

    @Test func firmwareConfigFile() throws {
        let sysfs = try TemporaryDirectory("fw_cfg")
        let source = FileConfigSource.qemuFirmwareConfig(sysfs: sysfs.path)
        #expect(try source.fetch() == nil)
        let directory = sysfs.file("by_name/opt/com.coreos/config")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data(ConfigSourceTests.config.utf8).write(to: URL(fileURLWithPath: directory + "/raw"))
        #expect(try source.fetch() == Array(ConfigSourceTests.config.utf8))
        try Data("\n".utf8).write(to: URL(fileURLWithPath: directory + "/raw"))
        #expect(try source.fetch() == nil)
    }

    @Test(
        arguments: [
            ("console=ttyS0 slipway.config.url=data:,abc quiet", "data:,abc"),
            ("ignition.config.url=data:,x slipway.config.url=data:,y", "data:,y"),
            (#"a="b c" slipway.config.url="data:,q""#, "data:,q"),
            ("root=/dev/vda2", nil),
        ] as [(String, String?)])
    func commandLineURL(_ commandLine: String, _ url: String?) throws {
        let source = KernelCommandLineSource(commandLine: commandLine)
        #expect(source.url == url)
        #expect(try source.fetch() == url.map { _ in Array(String(url?.dropFirst(6) ?? "").utf8) })
    }

    @Test func commandLineHTTPURL() throws {
        let server = try TestHTTPServer { _ in .ok(ConfigSourceTests.config) }
        let source = KernelCommandLineSource(commandLine: "slipway.config.url=\(server.url)/me.ign", totalSeconds: 5)
        #expect(try source.fetch() == Array(ConfigSourceTests.config.utf8))
    }

    @Test func ec2UsesAnIMDSv2Token() throws {
        let server = try TestHTTPServer { request in
            switch (request.method, request.path) {
            case ("PUT", "/latest/api/token"):
                return request.headers["x-aws-ec2-metadata-token-ttl-seconds"] == "21600"
                    ? .ok("TOKEN123") : TestHTTPServer.Response(status: 400)
            case ("GET", "/latest/user-data"):
                return request.headers["x-aws-ec2-metadata-token"] == "TOKEN123"
                    ? .ok(ConfigSourceTests.config) : TestHTTPServer.Response(status: 401)
            default: return TestHTTPServer.Response(status: 404)
            }
        }
        #expect(try EC2Source(endpoint: server.url, totalSeconds: 5).fetch() == Array(ConfigSourceTests.config.utf8))
        #expect(server.requests.map(\.method) == ["PUT", "GET"])
    }

    @Test func ec2WithoutUserDataHasNoConfig() throws {
        let server = try TestHTTPServer { request in
            request.method == "PUT" ? .ok("T") : TestHTTPServer.Response(status: 404)
        }
        #expect(try EC2Source(endpoint: server.url, totalSeconds: 5).fetch() == nil)
    }

    @Test func gceNeedsTheFlavorHeader() throws {
        let server = try TestHTTPServer { request in
            guard request.path == "/computeMetadata/v1/instance/attributes/user-data" else {
                return TestHTTPServer.Response(status: 404)
            }
            return request.headers["metadata-flavor"] == "Google"
                ? .ok(ConfigSourceTests.config) : TestHTTPServer.Response(status: 403)
        }
        #expect(try GCESource(endpoint: server.url, totalSeconds: 5).fetch() == Array(ConfigSourceTests.config.utf8))
    }

    @Test func openStackMetadataRetriesUntilTheServiceAnswers() throws {
        let attempts = Counter()
        let server = try TestHTTPServer { request in
            guard request.path == "/openstack/latest/user_data" else { return TestHTTPServer.Response(status: 404) }
            return attempts.increment() < 3 ? TestHTTPServer.Response(status: 503) : .ok(ConfigSourceTests.config)
        }
        #expect(
            try OpenStackMetadataSource(endpoint: server.url, totalSeconds: 10).fetch()
                == Array(ConfigSourceTests.config.utf8))
        #expect(server.requests.count == 3)
    }

    @Test func metadataFailureStopsWithTheReason() throws {
        let server = try TestHTTPServer { _ in TestHTTPServer.Response(status: 403) }
        let error = try #require(throws: FirstBootError.self) {
            try GCESource(endpoint: server.url, totalSeconds: 5).fetch()
        }
        #expect(error.message.contains("HTTP status 403"))
        // A refusal is final: asked once, not retried until the deadline.
        #expect(server.requests.count == 1)
    }

    @Test func openStackConfigDrive() throws {
        let drive = try TemporaryDirectory("config-drive")
        let source = OpenStackConfigDriveSource(mountPoint: drive.path)
        #expect(try source.fetch() == nil)
        try FileManager.default.createDirectory(
            atPath: drive.file("openstack/latest"), withIntermediateDirectories: true)
        try Data(ConfigSourceTests.config.utf8).write(
            to: URL(fileURLWithPath: drive.file("openstack/latest/user_data")))
        #expect(try source.fetch() == Array(ConfigSourceTests.config.utf8))
        let labels = try TemporaryDirectory("by-label")
        #expect(OpenStackConfigDriveSource.device(byLabelDirectory: labels.path) == nil)
        try FileManager.default.createSymbolicLink(atPath: labels.file("config-2"), withDestinationPath: "../../vdb")
        #expect(OpenStackConfigDriveSource.device(byLabelDirectory: labels.path) == labels.file("config-2"))
    }

    @Test(arguments: [
        ("slipway.platform=ec2", "", "", Platform.ec2),
        ("ignition.platform.id=gcp", "", "", .gce),
        ("", "Amazon EC2", "t3.micro", .ec2),
        ("", "Google", "Google Compute Engine", .gce),
        ("", "OpenStack Foundation", "OpenStack Nova", .openstack),
        ("", "QEMU", "Standard PC (Q35 + ICH9, 2009)", .qemu),
        ("", "Dell Inc.", "PowerEdge", .metal),
    ])
    func platform(_ commandLine: String, _ vendor: String, _ product: String, _ expected: Platform) throws {
        let dmi = try TemporaryDirectory("dmi")
        try Data((vendor + "\n").utf8).write(to: URL(fileURLWithPath: dmi.file("sys_vendor")))
        try Data((product + "\n").utf8).write(to: URL(fileURLWithPath: dmi.file("product_name")))
        #expect(Platform.current(commandLine: commandLine, dmiDirectory: dmi.path) == expected)
    }

    @Test func firstSourceWithAConfigWins() throws {
        let scratch = try TemporaryDirectory("sources")
        try Data(ConfigSourceTests.config.utf8).write(to: URL(fileURLWithPath: scratch.file("embedded.ign")))
        let sources: [any ConfigSource] = [
            FileConfigSource.qemuFirmwareConfig(sysfs: scratch.file("no-sysfs")),
            FileConfigSource(name: "oem", path: scratch.file("oem/config.ign")),
            KernelCommandLineSource(commandLine: "quiet"),
            FileConfigSource(name: "embedded", path: scratch.file("embedded.ign")),
        ]
        let found = try #require(try ConfigSources.first(sources))
        #expect(found.name == "embedded")
        let order = ConfigSources.standardOrder(
            platform: .openstack, commandLine: "", oemConfigPath: "/oem/config.ign",
            embeddedConfigPath: "/usr/lib/slipway/config.ign",
            configDriveMount: "/run/config-drive")
        #expect(order.map(\.name).first == "qemu fw_cfg opt/com.coreos/config")
        #expect(order.count == 6)
    }
}
