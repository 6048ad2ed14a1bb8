import Foundation

/// Inputs that several test targets share and that are costly to make: a real Debian kernel package
/// (downloaded once with apt into a cache directory that later runs reuse) and the built
/// slipway-initrd executable.
public enum Fixtures {
    /// Where downloaded fixtures are kept between runs: `$SLIPWAY_TEST_CACHE` or /tmp/slipway-test-cache.
    public static var cacheDirectory: String {
        ProcessInfo.processInfo.environment["SLIPWAY_TEST_CACHE"] ?? "/tmp/slipway-test-cache"
    }

    /// The .deb of the kernel that `linux-image-cloud-amd64` currently depends on, fetched with
    /// `apt-get download` on first use.
    public static func kernelPackage() throws -> String {
        let directory = cacheDirectory + "/kernel"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if let cached = try debs(in: directory).first { return directory + "/" + cached }
        let depends = try runTool(["apt-cache", "depends", "linux-image-cloud-amd64"])
        guard
            let name = depends.stdout.split(separator: "\n").lazy.compactMap({ line -> String? in
                let text = line.trimmingCharacters(in: .whitespaces)
                return text.hasPrefix("Depends: linux-image-") ? String(text.dropFirst("Depends: ".count)) : nil
            }).first
        else { throw FixtureError("apt-cache depends linux-image-cloud-amd64 names no kernel: \(depends.stdout)") }
        let download = try runTool(["sh", "-c", "cd '\(directory)' && apt-get download '\(name)'"])
        guard download.status == 0, let fetched = try debs(in: directory).first else {
            throw FixtureError("apt-get download \(name) failed: \(download.stderr)")
        }
        return directory + "/" + fetched
    }

    /// The built `slipway-initrd` (debug or release, whichever is newer); `swift build` makes it.
    public static func initrdExecutable() throws -> String {
        let root = packageRoot().path
        let candidates = ["debug", "release"].map { "\(root)/.build/\($0)/slipway-initrd" }.filter {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        let newest = candidates.max { modified($0) < modified($1) }
        guard let newest else {
            throw FixtureError("no slipway-initrd under \(root)/.build: run `swift build --product slipway-initrd`")
        }
        return newest
    }

    private static func debs(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter {
            $0.hasPrefix("linux-image-") && $0.hasSuffix(".deb")
        }.sorted()
    }

    static func modified(_ path: String) -> Date {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date) ?? .distantPast
    }
}

/// A fixture that could not be prepared; the message says how to prepare it by hand.
public struct FixtureError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension Fixtures {
    /// The built `slipway` executable (debug or release, whichever is newer).
    public static func slipwayExecutable() throws -> String {
        let root = packageRoot().path
        let candidates = ["debug", "release"].map { "\(root)/.build/\($0)/slipway" }.filter {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        guard let newest = candidates.max(by: { modified($0) < modified($1) }) else {
            throw FixtureError("no slipway under \(root)/.build: run `swift build`")
        }
        return newest
    }
}
