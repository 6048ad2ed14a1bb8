import Foundation
import Packages
import Profile
import TestSupport
import Testing

@testable import Build

/// apt's failures to resolve are reported at the profile entry that named the package.
@Suite struct PackageProblemsTests {
    @Test func anUnknownPackageIsReportedAtItsEntry() throws {
        let dir = try TemporaryDirectory()
        let profile = dir.file("p.yaml")
        try Data(
            """
            name: p
            root:
              layers:
                - files:
                    - { path: /etc/motd, content: "hi" }
                - packages:
                    - busybox-static
                    - slipway-no-such-package

            """.utf8
        ).write(to: URL(fileURLWithPath: profile))
        var request = BuildRequest(
            profilePath: profile, outputDirectory: dir.file("out"), cacheDirectory: dir.file("cache"),
            sourceDateEpoch: 1)
        request.rootfsOnly = true
        let error = try #require(throws: ProfileErrors.self) { try Builder(request).build() }
        let problem = try #require(error.problems.first)
        #expect(error.problems.count == 1)
        #expect(problem.location == SourceLocation(file: profile, line: 8, column: 11))
        #expect(problem.keyPath == "root.layers[1].packages[1]")
        #expect(problem.value == "slipway-no-such-package")
        #expect(problem.message.contains("Unable to locate package slipway-no-such-package"))
        #expect(
            problem.description.hasPrefix(
                "\(profile):8:11: root.layers[1].packages[1] \"slipway-no-such-package\": apt-get (lists in "))
    }

    @Test func anUnknownKernelPackageIsReportedAtItsKey() throws {
        let dir = try TemporaryDirectory()
        let profile = dir.file("p.yaml")
        try Data(
            """
            name: p
            extends: \(packageRoot().appendingPathComponent("profiles/minimal.yaml").path)
            kernel:
              package: slipway-no-such-kernel

            """.utf8
        ).write(to: URL(fileURLWithPath: profile))
        let request = BuildRequest(
            profilePath: profile, outputDirectory: dir.file("out"), cacheDirectory: BuildPipelineTests.cache,
            sourceDateEpoch: 1)
        let error = try #require(throws: ProfileErrors.self) { try Builder(request).build() }
        let problem = try #require(error.problems.first)
        #expect(problem.location == SourceLocation(file: profile, line: 4, column: 12))
        #expect(problem.keyPath == "kernel.package")
        #expect(problem.value == "slipway-no-such-kernel")
        #expect(problem.message.contains("Unable to locate package slipway-no-such-kernel"))
    }

    /// The bare name finds the entry that asked for a version or a release.
    @Test(arguments: ["local-app=1.0", "local-app/local", "local-app:amd64", "local-app"])
    func anUnmetDependencyIsReportedAtThePackageThatNeedsIt(entry: String) throws {
        let names = [
            Located("local-base", at: SourceLocation(file: "p.yaml", line: 6, column: 9)),
            Located(entry, at: SourceLocation(file: "p.yaml", line: 7, column: 9)),
        ]
        let layer = Profile.Layer(
            source: .packages(names), location: SourceLocation(file: "p.yaml", line: 5, column: 7),
            keyPath: "images.tool.layers[0]")
        let error = PackagesError(
            package: "local-app", operation: "resolve",
            message: "unmet dependency: local-app depends on local-missing but it is not installable")
        #expect(
            "\(PackageProblems.atEntry(error, names: names, layer: layer))"
                == "p.yaml:7:9: images.tool.layers[0].packages[1] \"\(entry)\": unmet dependency: local-app depends on "
                + "local-missing but it is not installable")
    }

    @Test func aFailureAboutNoEntryIsReportedAtTheLayer() {
        let names = [Located("local-base", at: SourceLocation(file: "p.yaml", line: 6, column: 9))]
        let layer = Profile.Layer(
            source: .packages(names), location: SourceLocation(file: "p.yaml", line: 5, column: 7),
            keyPath: "root.layers[0]")
        let error = PackagesError(package: "local-base other", operation: "resolve", message: "apt-get failed")
        #expect(
            "\(PackageProblems.atEntry(error, names: names, layer: layer))"
                == "p.yaml:5:7: root.layers[0].packages: local-base other: apt-get failed")
        let cache = PackagesError(package: "/c/apt/amd64", operation: "create apt state", message: "cannot create it")
        #expect(PackageProblems.atEntry(cache, names: names, layer: layer) as? PackagesError == cache)
    }
}
