import Foundation
import TestSupport
import Testing

/// `slipway build --cache-registry` with a real registry (docker-registry 2.8) on loopback: a build
/// pushes its entries, a build on an empty cache pulls them and downloads nothing from the mirror,
/// and a registry that is stopped or holds a corrupt blob costs a notice, never the build.
@Suite(.serialized) struct RegistryCacheBuildTests {
    /// Points apt at a proxy that refuses every connection, so any download from the mirror fails
    /// the build; the registry on loopback is exempt.
    private static let noMirror = [
        "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9", "no_proxy": "127.0.0.1,localhost",
    ]

    /// A copy of slipway with its initrd and update tool, taken once per test: the root image's key
    /// includes the executable's digest, and `swift build` may replace .build's copy meanwhile.
    private func tools(in work: TemporaryDirectory) throws -> String {
        let built = URL(fileURLWithPath: try Fixtures.slipwayExecutable()).deletingLastPathComponent()
        let copied = work.file("bin")
        try FileManager.default.createDirectory(atPath: copied, withIntermediateDirectories: true)
        for name in ["slipway", "slipway-initrd", "slipway-update"] {
            try FileManager.default.copyItem(
                atPath: built.appendingPathComponent(name).path, toPath: "\(copied)/\(name)")
        }
        return "\(copied)/slipway"
    }

    private func build(
        _ slipway: String, cache: String, output: String, registry: String?, environment: [String: String] = [:]
    ) throws -> CommandResult {
        var arguments = [
            slipway, "build", packageRoot().appendingPathComponent("profiles/minimal.yaml").path, "--output", output,
            "--cache", cache,
        ]
        if let registry { arguments += ["--cache-registry", registry] }
        // CI set makes progress plain; SLIPWAY_CACHE_REGISTRY unset so only the flag names a registry.
        return try runTool(arguments, environment: environment.merging(["SLIPWAY_CACHE_REGISTRY": ""]) { $1 })
    }

    private func tags(_ server: RegistryServer) throws -> [String] {
        let listed = try runTool(["curl", "-sf", "http://\(server.host)/v2/slipway/cache/tags/list"])
        let json = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any]
        return (json?["tags"] as? [String]) ?? []
    }

    /// The SHA-256 of every package the manifest lists (root and boot packages).
    private func packageDigests(_ manifest: String) throws -> [String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: manifest))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let records = (json["packages"] as? [[String: Any]] ?? []) + (json["bootPackages"] as? [[String: Any]] ?? [])
        return records.compactMap { $0["sha256"] as? String }
    }

    private func identical(_ first: String, _ second: String) throws -> Bool {
        try runTool(["cmp", first, second]).status == 0
    }

    @Test func aSecondRunnerPullsEverythingAndBuildsTheSameImage() throws {
        let server = try RegistryServer()
        let work = try TemporaryDirectory("registry-build")
        let slipway = try tools(in: work)
        let registry = "\(server.host)/slipway/cache"

        // Runner one: an empty cache, so everything comes from the mirror and is pushed.
        let first = try build(slipway, cache: work.file("A"), output: work.file("one"), registry: registry)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("cache registry \(registry): pulled 0 packages, 0 resolutions, pushed "))
        let packages = try packageDigests(work.file("one/minimal.manifest.json"))
        #expect(packages.count > 10, "the kernel and the boot packages are listed too")
        let pushed = try tags(server)
        for sha256 in packages { #expect(pushed.contains("deb-\(sha256)"), "deb-\(sha256) was not pushed") }
        #expect(pushed.contains { $0.hasPrefix("resolution-") })
        #expect(pushed.filter { $0.hasPrefix("rootfs-") }.count == 1)

        // Runner two: an empty cache and no way to reach the mirror. It succeeds only if nothing
        // is downloaded from it.
        let second = try build(
            slipway, cache: work.file("B"), output: work.file("two"), registry: registry, environment: Self.noMirror)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(
            second.stderr.contains("the root image, pushed 0 entries, 0 packages from the mirror"), "\(second.stderr)")
        #expect(try identical(work.file("one/minimal.img"), work.file("two/minimal.img")))
        #expect(try identical(work.file("one/minimal.rootfs.ext4"), work.file("two/minimal.rootfs.ext4")))
        // The pulled packages are in runner two's cache under their digests, and hash to them.
        for sha256 in packages.prefix(3) {
            let check = try runTool(["sha256sum", work.file("B/debs/sha256/\(sha256).deb")])
            #expect(check.stdout.hasPrefix(sha256))
        }

        // The oracle above can fail: without the registry, the same build needs the mirror.
        let unshared = try build(
            slipway, cache: work.file("C"), output: work.file("three"), registry: nil, environment: Self.noMirror)
        #expect(unshared.status == 1)
        #expect(unshared.stderr.contains("download"), "\(unshared.stderr)")
    }

    @Test func aCorruptBlobIsRefusedAndThatPackageComesFromTheMirror() throws {
        let server = try RegistryServer()
        let work = try TemporaryDirectory("registry-build")
        let slipway = try tools(in: work)
        let registry = "\(server.host)/slipway/cache"
        let first = try build(slipway, cache: work.file("A"), output: work.file("one"), registry: registry)
        #expect(first.status == 0, "\(first.stderr)")
        // Same length, other bytes: only the digest can tell.
        let sha256 = try #require(try packageDigests(work.file("one/minimal.manifest.json")).first)
        let blob = server.blobData(hex: sha256)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: blob))
        for index in stride(from: 0, to: bytes.count, by: 512) { bytes[index] ^= 0xFF }
        try bytes.write(to: URL(fileURLWithPath: blob))

        let second = try build(slipway, cache: work.file("B"), output: work.file("two"), registry: registry)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("sha256:\(sha256)") && second.stderr.contains("refused"), "\(second.stderr)")
        #expect(second.stderr.contains("1 package from the mirror"), "\(second.stderr)")
        #expect(try identical(work.file("one/minimal.img"), work.file("two/minimal.img")))
        let kept = try runTool(["sha256sum", work.file("B/debs/sha256/\(sha256).deb")])
        #expect(kept.stdout.hasPrefix(sha256), "the cache holds the mirror's file, not the registry's")
    }

    @Test func aStoppedRegistryCostsOneNoticeNotTheBuild() throws {
        let server = try RegistryServer()
        let work = try TemporaryDirectory("registry-build")
        let slipway = try tools(in: work)
        let registry = "\(server.host)/slipway/cache"
        server.stop()
        let started = Date()
        let built = try build(slipway, cache: work.file("A"), output: work.file("one"), registry: registry)
        #expect(built.status == 0, "\(built.stderr)")
        let notices = built.stderr.split(separator: "\n").filter { $0.contains("building without it") }
        #expect(notices.count == 1, "\(built.stderr)")
        #expect(notices.first?.contains("cache registry \(registry):") == true)
        #expect(notices.first?.contains("connection refused") == true, "\(built.stderr)")
        #expect(built.stderr.contains("(not used: connection refused)"))
        #expect(Date().timeIntervalSince(started) < 300)
        #expect(FileManager.default.fileExists(atPath: work.file("one/minimal.img")))
    }

    @Test func aMalformedRegistryNameIsAnErrorNamingTheFlag() throws {
        let work = try TemporaryDirectory("registry-build")
        let slipway = try tools(in: work)
        let built = try build(
            slipway, cache: work.file("A"), output: work.file("one"), registry: "https://example.com/cache")
        #expect(built.status == 1)
        #expect(built.stderr.contains("--cache-registry \"https://example.com/cache\""), "\(built.stderr)")
        #expect(built.stderr.contains("without a scheme"), "\(built.stderr)")
        #expect(!FileManager.default.fileExists(atPath: work.file("one/minimal.img")))
    }
}
