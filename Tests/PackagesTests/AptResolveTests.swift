import Foundation
import Testing

@testable import Packages

@Suite struct AptResolveTests {
    @Test func busyboxStaticIsItsOwnClosure() throws {
        let harness = try AptHarness()
        let resolved = try harness.apt().resolve(["busybox-static"])
        let oracle = try aptCacheShow("busybox-static")
        #expect(resolved.count == 1)
        let package = try #require(resolved.first)
        #expect(package.name == "busybox-static")
        #expect(package.architecture == "amd64")
        #expect(package.version == oracle["Version"])
        #expect(package.sha256 == oracle["SHA256"])
        #expect(String(package.size) == oracle["Size"])
        let filename = try #require(oracle["Filename"])
        #expect(package.uri.removingPercentEncoding?.hasSuffix("/" + filename) == true)
        #expect(package.id == "busybox-static_\(package.version)_amd64")
        #expect(harness.commands == ["install"])
    }

    @Test func tiniPullsInTheCLibrary() throws {
        let harness = try AptHarness()
        let resolved = try harness.apt().resolve(["tini"])
        #expect(resolved.map(\.name) == ["gcc-12-base", "libc6", "libgcc-s1", "tini"])
        #expect(resolved.allSatisfy { $0.architecture == "amd64" && $0.size > 0 && $0.sha256.count == 64 })
        for package in resolved {
            #expect(package.version == (try aptCacheShow(package.name))["Version"])
        }
    }

    @Test func architectureAllPackagesResolveAlongside() throws {
        let harness = try AptHarness()
        let resolved = try harness.apt().resolve(["netbase"])
        #expect(resolved.map(\.name) == ["netbase"])
        #expect(resolved.first?.architecture == "all")
    }

    @Test func unknownPackageNamesItAndQuotesApt() throws {
        let harness = try AptHarness()
        #expect(
            throws: PackagesError(
                package: "slipway-no-such-package", operation: "resolve",
                message: "apt-get (lists in /var/lib/apt/lists): Unable to locate package slipway-no-such-package. "
                    + "Hint: check the name and version (apt-cache policy NAME), or refresh the package lists if "
                    + "they are old (apt-get update, or a private refresh)")
        ) {
            try harness.apt().resolve(["busybox-static", "slipway-no-such-package"])
        }
    }

    @Test func unknownVersionNamesThePackage() throws {
        let harness = try AptHarness()
        let error = try #require(throws: PackagesError.self) { try harness.apt().resolve(["tini=0.0.1-slipway"]) }
        #expect(error.package == "tini")
        #expect(error.operation == "resolve")
        #expect(error.message.contains("Version '0.0.1-slipway' for 'tini' was not found"))
    }

    @Test(arguments: ["--simulate", "-o", "", "two words", "tini;rm", "Ünïcode"])
    func requestsThatAreNotPackageNamesNeverReachApt(request: String) throws {
        let harness = try AptHarness()
        #expect(
            throws: PackagesError(
                package: request, operation: "resolve",
                message: "not a package request: expected a Debian package name (lower-case letters, digits, "
                    + "+ - .), optionally followed by :ARCH, =VERSION or /RELEASE")
        ) {
            try harness.apt().resolve(["tini", request])
        }
        #expect(harness.commands.isEmpty)
    }

    @Test func nothingRequestedResolvesToNothing() throws {
        let harness = try AptHarness()
        #expect(try harness.apt().resolve([]).isEmpty)
        #expect(harness.commands.isEmpty)
    }

    @Test(arguments: [
        (
            "'http://m/pool/b/busybox-static_1%3a1.35_amd64.deb' busybox-static_1%3a1.35_amd64.deb 928188 SHA256:"
                + String(repeating: "ab", count: 32),
            "busybox-static", "1:1.35", "amd64"
        ),
        (
            "'http://m/pool/p/perl_5.36_all.deb' perl-modules-5.36_5.36.0-7+deb12u4_all.deb 10 SHA256:"
                + String(repeating: "0", count: 64),
            "perl-modules-5.36", "5.36.0-7+deb12u4", "all"
        ),
    ])
    func printedURIsParse(line: String, name: String, version: String, architecture: String) throws {
        let package = try Apt.parsePrintedURI(line)
        #expect(package.name == name)
        #expect(package.version == version)
        #expect(package.architecture == architecture)
    }

    @Test(arguments: [
        ("'http://m/x.deb x.deb 1 SHA256:00", "no closing quote after the URI"),
        ("'http://m/x.deb' x_1_amd64.deb 12 MD5Sum:0123", "no SHA256 hash (got MD5Sum:0123)"),
        ("'http://m/x.deb' x_1_amd64.deb -3 SHA256:" + String(repeating: "a", count: 64), "size -3 is not a number"),
        (
            "'http://m/x.deb' x_amd64.deb 3 SHA256:" + String(repeating: "a", count: 64),
            "x_amd64.deb is not NAME_VERSION_ARCH.deb"
        ),
        (
            "'http://m/x.deb' x_1_amd64.deb 3 SHA256:" + String(repeating: "A", count: 64),
            "malformed SHA-256 " + String(repeating: "A", count: 64)
        ),
    ])
    func malformedPrintedURIsAreRejected(line: String, rule: String) throws {
        #expect(
            throws: PackagesError(
                package: line, operation: "resolve", message: "unexpected apt-get --print-uris line: \(rule)")
        ) {
            try Apt.parsePrintedURI(line)
        }
    }
}
