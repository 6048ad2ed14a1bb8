// The Azure and DigitalOcean config sources against metadata services served on 127.0.0.1 (the
// image uses 169.254.169.254), and how the platform is named on the command line or found in DMI data.
import FirstBoot
import Foundation
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(10))) struct CloudUserDataSourceTests {
    static let config = #"{"ignition":{"version":"3.4.0"}}"#
    static let azurePath = "/metadata/instance/compute/userData?api-version=2021-01-01&format=text"

    /// An IMDS stand-in that refuses requests without `Metadata: true`, as the real one does (400).
    static func azure(_ userData: String) throws -> TestHTTPServer {
        try TestHTTPServer { request in
            guard request.method == "GET", request.path == azurePath else { return .status(404) }
            return request.headers["metadata"] == "true" ? .ok(userData) : .status(400, "Bad request")
        }
    }

    @Test func azureDecodesTheBase64UserData() throws {
        let server = try Self.azure(Data(Self.config.utf8).base64EncodedString())
        #expect(try AzureSource(endpoint: server.url, totalSeconds: 5).fetch() == Array(Self.config.utf8))
        #expect(server.requests.map(\.path) == [Self.azurePath])
        #expect(server.requests.first?.headers["metadata"] == "true")
    }

    /// Base64 wrapped at 76 columns with CRLF, as some encoders write it, decodes the same.
    @Test func azureAcceptsWrappedBase64() throws {
        let long =
            #"{"ignition":{"version":"3.4.0"},"storage":{"files":[{"path":"/etc/a","contents":{"source":"data:,"#
            + String(repeating: "x", count: 100) + #""}}]}}"#
        let encoded = Array(Data(long.utf8).base64EncodedString())
        let wrapped = stride(from: 0, to: encoded.count, by: 76).map {
            String(encoded[$0..<min($0 + 76, encoded.count)])
        }
        .joined(separator: "\r\n")
        #expect(wrapped.split(separator: "\r\n").count == 4)
        let server = try Self.azure(wrapped + "\n")
        #expect(try AzureSource(endpoint: server.url, totalSeconds: 5).fetch() == Array(long.utf8))
    }

    @Test(arguments: ["", "\n", "  \r\n"])
    func azureWithEmptyUserDataHasNoConfig(_ body: String) throws {
        let server = try Self.azure(body)
        #expect(try AzureSource(endpoint: server.url, totalSeconds: 5).fetch() == nil)
        #expect(server.requests.count == 1)
    }

    @Test(arguments: [
        (#"{"ignition":{"version":"3.4.0"}}"#, #""{" at offset 0 is not a base64 character"#),
        ("eyJpZ25pdGlvbiI", "15 characters, not a multiple of 4"),
        ("eyJp=Z25p", "9 characters, not a multiple of 4"),
        ("eyJp=Z25", "\"=\" padding before the end"),
        ("eyJp Z2-5", #""-" at offset 7 is not a base64 character"#),
    ])
    func azureRefusesUserDataThatIsNotBase64(_ body: String, _ problem: String) throws {
        let server = try Self.azure(body)
        let source = AzureSource(endpoint: server.url, totalSeconds: 5)
        let error = try #require(throws: FirstBootError.self) { try source.fetch() }
        #expect(error.operation == "fetch" && error.subject == "Azure IMDS instance/compute/userData")
        #expect(
            error.message
                == "the userData is not base64 (\(problem)); IMDS returns user data base64-encoded, so give Azure "
                + "the config itself (az vm create --user-data config.ign encodes it)")
        // A config that cannot be decoded is final: asked once.
        #expect(server.requests.count == 1)
    }

    /// IMDS answers 404, 410 and 429 while it starts or throttles: retried until it answers.
    @Test func azureRetriesWhileIMDSIsNotReady() throws {
        let attempts = Counter()
        let server = try TestHTTPServer { request in
            switch attempts.increment() {
            case 1: return .status(404)
            case 2: return .status(410)
            case 3: return .status(429)
            case 4: return .status(500)
            default: return .ok(Data(Self.config.utf8).base64EncodedString())
            }
        }
        #expect(try AzureSource(endpoint: server.url, totalSeconds: 20).fetch() == Array(Self.config.utf8))
        #expect(server.requests.count == 5)
    }

    /// Without the header the service refuses (400): final, with the status, asked once.
    @Test func azureStopsOnARefusal() throws {
        let server = try TestHTTPServer { _ in .status(400, "Bad request") }
        let error = try #require(throws: FirstBootError.self) {
            try AzureSource(endpoint: server.url, totalSeconds: 5).fetch()
        }
        #expect(error.message == "\(server.url)\(Self.azurePath): HTTP status 400")
        #expect(server.requests.count == 1)
    }

    /// A service that keeps answering 404 is retried until the deadline, then the last status is the error.
    @Test func azureGivesUpAtTheDeadline() throws {
        let server = try TestHTTPServer { _ in .status(404) }
        let started = Date()
        let error = try #require(throws: FirstBootError.self) {
            try AzureSource(endpoint: server.url, totalSeconds: 2).fetch()
        }
        let seconds = Date().timeIntervalSince(started)
        #expect(error.message == "\(server.url)\(Self.azurePath): HTTP status 404")
        #expect(seconds < 4, "\(seconds) s")
        #expect(server.requests.count >= 3)
    }

    @Test func digitalOceanReturnsTheUserData() throws {
        let server = try TestHTTPServer { request in
            request.method == "GET" && request.path == "/metadata/v1/user-data" ? .ok(Self.config) : .status(404)
        }
        #expect(try DigitalOceanSource(endpoint: server.url, totalSeconds: 5).fetch() == Array(Self.config.utf8))
        #expect(server.requests.map { "\($0.method) \($0.path)" } == ["GET /metadata/v1/user-data"])
    }

    @Test(arguments: [(404, ""), (200, ""), (200, "\n")])
    func digitalOceanWithoutUserDataHasNoConfig(_ status: Int, _ body: String) throws {
        let server = try TestHTTPServer { _ in .status(status, body) }
        #expect(try DigitalOceanSource(endpoint: server.url, totalSeconds: 5).fetch() == nil)
        #expect(server.requests.count == 1)
    }

    @Test func digitalOceanRetriesServerErrorsAndStopsOnRefusals() throws {
        let attempts = Counter()
        let flaky = try TestHTTPServer { _ in attempts.increment() < 3 ? .status(503) : .ok(Self.config) }
        #expect(try DigitalOceanSource(endpoint: flaky.url, totalSeconds: 10).fetch() == Array(Self.config.utf8))
        #expect(flaky.requests.count == 3)
        let refusing = try TestHTTPServer { _ in .status(403) }
        let error = try #require(throws: FirstBootError.self) {
            try DigitalOceanSource(endpoint: refusing.url, totalSeconds: 5).fetch()
        }
        #expect(
            error.description
                == "fetch DigitalOcean metadata v1/user-data: \(refusing.url)/metadata/v1/user-data: HTTP status 403")
        #expect(refusing.requests.count == 1)
    }

    /// Names on the command line: slipway's (the profile's) and Ignition's platform ids.
    @Test(arguments: [
        ("slipway.platform=azure", Platform.azure),
        ("slipway.platform=digitalocean", .digitalocean),
        ("ignition.platform.id=azure", .azure),
        ("ignition.platform.id=digitalocean", .digitalocean),
        ("slipway.platform=aws", .ec2),
        ("slipway.platform=ec2", .ec2),
        ("slipway.platform=gce", .gce),
        ("slipway.platform=gcp", .gce),
        ("slipway.platform=qemu", .qemu),
        ("slipway.platform=metal", .metal),
    ])
    func platformFromTheCommandLine(_ commandLine: String, _ expected: Platform) throws {
        let dmi = try TemporaryDirectory("dmi")
        #expect(Platform.current(commandLine: "console=ttyS0 " + commandLine, dmiDirectory: dmi.path) == expected)
    }

    /// DMI: Azure by vendor and its chassis asset tag (Hyper-V elsewhere has the vendor alone),
    /// DigitalOcean by vendor.
    @Test(arguments: [
        ("Microsoft Corporation", "Virtual Machine", "7783-7084-3265-9085-8269-3286-77", Platform.azure),
        ("Microsoft Corporation", "Virtual Machine", "None", .metal),
        ("DigitalOcean", "Droplet", "", .digitalocean),
        ("QEMU", "Standard PC (i440FX + PIIX, 1996)", "", .qemu),
    ])
    func platformFromDMI(_ vendor: String, _ product: String, _ assetTag: String, _ expected: Platform) throws {
        let dmi = try TemporaryDirectory("dmi")
        for (name, value) in [("sys_vendor", vendor), ("product_name", product), ("chassis_asset_tag", assetTag)] {
            try Data((value + "\n").utf8).write(to: URL(fileURLWithPath: dmi.file(name)))
        }
        #expect(Platform.current(commandLine: "slipway.platform=cloud9", dmiDirectory: dmi.path) == expected)
    }

    @Test func eachPlatformHasItsMetadataSourceAfterTheCommandLine() throws {
        func names(_ platform: Platform) -> [String] {
            ConfigSources.standardOrder(
                platform: platform, commandLine: "", oemConfigPath: "/oem/config.ign",
                embeddedConfigPath: "/usr/lib/slipway/firstboot/default.ign"
            ).map(\.name)
        }
        #expect(names(.azure)[3] == "Azure IMDS instance/compute/userData")
        #expect(names(.digitalocean)[3] == "DigitalOcean metadata v1/user-data")
        #expect(names(.azure).count == 5 && names(.digitalocean).count == 5 && names(.qemu).count == 4)
    }
}
