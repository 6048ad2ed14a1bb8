import Archive
import Boot
import Foundation
import Profile
import TestSupport
import Testing

@testable import Build

/// A kernel given as files (`kernel.files`): its release without a modules directory, and the initrd
/// compression its configuration allows.
@Suite(.serialized) struct KernelFilesTests {
    /// The real cloud kernel's .deb unpacked into `dir`: its image path and release.
    private func unpackedKernel(in dir: TemporaryDirectory) throws -> (root: String, release: String) {
        let root = dir.file("kernel")
        #expect(try runTool(["dpkg-deb", "-x", try Fixtures.kernelPackage(), root]).status == 0)
        let release = try #require(try FileManager.default.contentsOfDirectory(atPath: root + "/lib/modules").first)
        return (root, release)
    }

    private func request(_ profile: String, output: String) throws -> BuildRequest {
        BuildRequest(
            profilePath: profile, outputDirectory: output, cacheDirectory: BuildPipelineTests.cache,
            initrdExecutable: try Fixtures.initrdExecutable())
    }

    private var minimal: String { packageRoot().appendingPathComponent("profiles/minimal.yaml").path }

    /// Records what phases report when they finish.
    final class SummaryRecorder: ProgressReporter, @unchecked Sendable {
        private let lock = NSLock()
        private var recorded: [String] = []
        var summaries: [String] { lock.withLock { recorded } }
        func phase(_ name: String) {}
        func advance(_ detail: String, done: Int, total: Int) {}
        func finish(_ summary: String) { lock.withLock { recorded.append(summary) } }
    }

    @Test func withoutModulesTheReleaseComesFromTheImageAndTheInitrdIsGzip() throws {
        let dir = try TemporaryDirectory()
        let kernel = try unpackedKernel(in: dir)
        let profile = dir.file("p.yaml")
        try """
        name: minimal
        extends: \(minimal)
        kernel:
          package: null
          files:
            image: \(kernel.root)/boot/vmlinuz-\(kernel.release)
          modules:
            initrd: !replace []
        """.write(toFile: profile, atomically: true, encoding: .utf8)
        let recorder = SummaryRecorder()
        let result = try Builder(try request(profile, output: dir.file("out")), progress: recorder).build()
        #expect(recorder.summaries.contains("\(kernel.release), 0 root and 0 initrd modules"), "\(recorder.summaries)")
        let initrd = try Data(contentsOf: URL(fileURLWithPath: try #require(result.outputs["initrd"])))
        #expect(Array(initrd.prefix(2)) == [0x1F, 0x8B], "a gzip stream")
        let listing = try runTool(["sh", "-c", "gzip -dc '\(try #require(result.outputs["initrd"]))' | cpio -t"])
        #expect(listing.stdout.split(separator: "\n").contains("init"), "\(listing.stdout.prefix(2000))")
    }

    @Test func aConfigurationWithNoInitrdCompressionStopsTheBuildAtItsKey() throws {
        let dir = try TemporaryDirectory()
        let kernel = try unpackedKernel(in: dir)
        try "CONFIG_BLK_DEV_INITRD=y\n# CONFIG_RD_GZIP is not set\nCONFIG_RD_ZSTD=m\n".write(
            toFile: dir.file("neither.config"), atomically: true, encoding: .utf8)
        let profile = dir.file("p.yaml")
        try """
        name: minimal
        extends: \(minimal)
        kernel:
          package: null
          files:
            image: \(kernel.root)/boot/vmlinuz-\(kernel.release)
            modules-dir: \(kernel.root)/lib/modules/\(kernel.release)
            config: neither.config
        """.write(toFile: profile, atomically: true, encoding: .utf8)
        let output = dir.file("out")
        let error = #expect(throws: ProfileErrors.self) { try Builder(try request(profile, output: output)).build() }
        #expect(
            error?.description
                == "\(profile):8:13: kernel.files.config \"neither.config\": the kernel configuration sets neither "
                + "CONFIG_RD_ZSTD=y nor CONFIG_RD_GZIP=y, so the kernel unpacks no initrd format slipway writes; "
                + "build the kernel with one of them")
        #expect(try FileManager.default.contentsOfDirectory(atPath: output).isEmpty)
    }

    @Test(arguments: [
        ("CONFIG_RD_GZIP=y\nCONFIG_RD_ZSTD=y\n", ArchiveCompression.zstd),
        ("CONFIG_RD_GZIP=y\n# CONFIG_RD_ZSTD is not set\n", .gzip),
        ("CONFIG_RD_ZSTD=y\n", .zstd),
    ])
    func aConfigurationChoosesTheCompression(config: String, expected: ArchiveCompression) throws {
        let files = KernelFiles(
            image: .init(written: "vmlinuz", absolute: "/vmlinuz", canonical: "vmlinuz"), modulesDirectory: nil,
            config: Located(
                .init(written: "config", absolute: "/config", canonical: "config"),
                at: SourceLocation(file: "p.yaml", line: 5, column: 13)),
            location: SourceLocation(file: "p.yaml", line: 3, column: 5))
        #expect(try files.initrdCompression(config: KernelConfig(text: Array(config.utf8))) == expected)
    }

    @Test func withoutAConfigurationTheInitrdIsGzip() throws {
        let files = KernelFiles(
            image: .init(written: "vmlinuz", absolute: "/vmlinuz", canonical: "vmlinuz"), modulesDirectory: nil,
            config: nil, location: SourceLocation(file: "p.yaml", line: 3, column: 5))
        #expect(try files.initrdCompression(config: KernelConfig(text: [])) == .gzip)
    }

    @Test func aModulesDirectoryForAnotherReleaseIsRefused() throws {
        let dir = try TemporaryDirectory()
        let kernel = try unpackedKernel(in: dir)
        let other = dir.file("modules/6.1.0-other")
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        let files = KernelFiles(
            image: .init(
                written: "vmlinuz", absolute: "\(kernel.root)/boot/vmlinuz-\(kernel.release)", canonical: "vmlinuz"),
            modulesDirectory: Located(
                .init(written: "modules/6.1.0-other", absolute: other, canonical: "modules/6.1.0-other"),
                at: SourceLocation(file: "p.yaml", line: 5, column: 18)),
            config: nil, location: SourceLocation(file: "p.yaml", line: 3, column: 5))
        let error = #expect(throws: ProfileErrors.self) { try files.read() }
        #expect(
            error?.description
                == "p.yaml:5:18: kernel.files.modules-dir \"modules/6.1.0-other\": the directory is named for release "
                + "6.1.0-other but the image is release \(kernel.release); give the image's lib/modules/\(kernel.release)"
        )
    }
}
