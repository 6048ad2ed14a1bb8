import Build
import Foundation
import Rootfs
import TestSupport
import Testing

/// What docs/packages.md says of merged-/usr links in a profile: the merger never writes through
/// them, so declared before a package-like layer they are replaced by its directory entry (or stop
/// the build), and declared after it they replace the directory.
struct MergedUsrLinkTests {
    /// Builds a root from `layers` (YAML list items) after writing a package-like tar (`./bin/`
    /// then `./bin/busybox`, as every .deb's data archive has them); returns the rootfs image.
    private func build(_ layers: String, in directory: TemporaryDirectory) throws -> String {
        try writeTar(
            [.dir("bin"), .file("bin/busybox", "busybox\n", mode: 0o755), .dir("usr/bin")],
            to: directory.file("package.tar"))
        let profile = directory.file("merged.yaml")
        try "name: merged\nroot:\n  layers:\n\(layers)".write(toFile: profile, atomically: true, encoding: .utf8)
        var request = BuildRequest(
            profilePath: profile, outputDirectory: directory.path, cacheDirectory: directory.file("cache"),
            sourceDateEpoch: 1_700_000_000)
        request.rootfsOnly = true
        return try #require(try Builder(request).build().outputs["rootfs"])
    }

    private static let link = "    - symlinks: [{ path: /bin, target: usr/bin }]\n"

    @Test func aLinkBeforeThePackagesIsReplacedByTheirDirectory() throws {
        let directory = try TemporaryDirectory()
        let image = try build(Self.link + "    - tar: package.tar\n", in: directory)
        let listing = try Debugfs(image: image).listing()
        #expect(listing["/bin"] == 0o040755, "a directory, not the link")
        #expect(listing["/bin/busybox"] != nil)
        #expect(listing["/usr/bin/busybox"] == nil)
    }

    @Test func aLinkAfterThePackagesReplacesTheirDirectory() throws {
        let directory = try TemporaryDirectory()
        let image = try build("    - tar: package.tar\n" + Self.link, in: directory)
        let listing = try Debugfs(image: image).listing()
        #expect(listing["/bin"] == 0o120777, "the link")
        #expect(listing["/bin/busybox"] == nil && listing["/usr/bin/busybox"] == nil)
    }

    @Test func aFileUnderTheLinkStopsTheBuild() throws {
        let directory = try TemporaryDirectory()
        let error = try #require(throws: RootfsError.self) {
            try build(Self.link + "    - files: [{ path: /bin/tool, content: x }]\n", in: directory)
        }
        #expect(
            "\(error)"
                == #"layer file bin/tool: entry "bin/tool": parent "/bin" is a symbolic link in the tree; "#
                + "layers may not write through links")
    }
}
