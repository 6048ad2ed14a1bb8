import Archive
import Foundation
import TestSupport
import Testing

@testable import Packages

@Suite struct DebianPackageTests {
    /// Every member path of the data archive, in order.
    private func dataPaths(_ package: DebianPackage) throws -> [ArchiveEntry] {
        let reader = try package.dataArchive()
        var entries: [ArchiveEntry] = []
        while let entry = try reader.next() { entries.append(entry) }
        return entries
    }

    /// The control archive's member names as dpkg-deb and tar see them.
    private func controlMembers(_ path: String) throws -> Set<String> {
        let result = try runTool(["sh", "-c", "dpkg-deb --ctrl-tarfile \"$1\" | tar -t", "sh", path])
        return Set(result.stdout.split(separator: "\n").map { String($0.drop { $0 == "." || $0 == "/" }) })
    }

    @Test func busyboxStaticControlAndData() throws {
        let harness = try AptHarness()
        let apt = harness.apt()
        let fetched = try #require(try apt.fetch(try apt.resolve(["busybox-static"])).first)
        let package = try DebianPackage(cached: fetched)

        let field = { (name: String) in
            try runTool(["dpkg-deb", "-f", fetched.path, name]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(package.name == "busybox-static")
        #expect(package.version == (try field("Version")))
        #expect(package.architecture == "amd64")
        #expect(package.installedSize.map(String.init) == (try field("Installed-Size")))
        #expect(package.provides.map(\.name) == ["busybox"])
        #expect(package.depends.isEmpty && package.preDepends.isEmpty)
        #expect(!package.isEssential)
        #expect(package.maintainerScripts.isEmpty)
        let members = try controlMembers(fetched.path)
        #expect(package.triggers != nil && members.contains("triggers"))
        #expect(package.dataMember == "data.tar.xz")
        #expect(package.label == "busybox-static_\(package.version)_amd64.deb")

        let entries = try dataPaths(package)
        let busybox = try #require(entries.first { $0.path == "./bin/busybox" })
        #expect(busybox.type == .regular && busybox.permissions == 0o755)
        let listing = try runTool(["sh", "-c", "dpkg-deb --fsys-tarfile \"$1\" | tar -tv", "sh", fetched.path]).stdout
        let oraclePaths = listing.split(separator: "\n").map { line in
            String(line.split(separator: " ", maxSplits: 5)[5].split(separator: " -> ")[0])
        }
        #expect(entries.map(\.path) == oraclePaths)
        #expect(listing.contains(" \(busybox.size) "))
        // A second reader starts again from the first member.
        #expect(try dataPaths(package).map(\.path) == oraclePaths)

        let record = PackageRecord(package: fetched.package, contents: package)
        #expect(record.sha256 == fetched.package.sha256 && record.source == fetched.package.uri)
        #expect(!record.hasMaintainerScripts)
    }

    @Test func libcScriptsTriggersConffilesAndRelations() throws {
        let harness = try AptHarness()
        let apt = harness.apt()
        let fetched = try apt.fetch(try apt.resolve(["libc6"]))
        let libc = try #require(fetched.first { $0.package.name == "libc6" })
        let package = try DebianPackage(cached: libc)

        let members = try controlMembers(libc.path)
        #expect(package.maintainerScripts == DebianPackage.scriptNames.filter(members.contains))
        #expect(package.maintainerScripts.contains("postinst"))
        #expect(package.triggers?.contains("ldconfig") == true)
        let conffiles = try runTool([
            "sh", "-c", "dpkg-deb --ctrl-tarfile \"$1\" | tar -xOf - ./conffiles", "sh", libc.path,
        ]).stdout
        #expect(package.conffiles == conffiles.split(separator: "\n").map(String.init))
        let depends = try runTool(["dpkg-deb", "-f", libc.path, "Depends"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(
            package.depends.map { $0.map(\.description).joined(separator: " | ") }.joined(separator: ", ") == depends)
        #expect(PackageRecord(package: libc.package, contents: package).hasMaintainerScripts)
    }

    @Test(arguments: ["", ".gz", ".xz", ".zst"])
    func handMadePackageInEveryCompression(compression: String) throws {
        let scratch = try TemporaryDirectory("deb-fixture")
        let control = try tarArchive(
            [
                "control": fixtureControl, "postinst": "#!/bin/sh\nexit 0\n", "config": "#!/bin/sh\n",
                "conffiles": "/etc/hello.conf\n/etc/hello.d/a\n", "md5sums": "",
            ], compression: compression, in: scratch)
        let data = try tarArchive(
            ["usr/bin/hello": "#!/bin/sh\necho hello\n", "etc/hello.conf": "x=1\n"], compression: compression,
            in: scratch)
        let path = scratch.file("hello.deb")
        let deb = arArchive([
            ("debian-binary", Array("2.0\n".utf8)), ("control.tar\(compression)", control),
            ("data.tar\(compression)", data), ("_signature", Array("ignored".utf8)),
        ])
        try Data(deb).write(to: URL(fileURLWithPath: path))
        // dpkg-deb accepts the fixture, so what we parse is a real .deb.
        #expect(try runTool(["dpkg-deb", "--info", path]).status == 0)

        let package = try DebianPackage(path: path)
        #expect(package.name == "hello-slipway" && package.version == "2:1.0-1" && package.architecture == "amd64")
        #expect(package.isEssential)
        #expect(package.installedSize == 12)
        #expect(package.maintainerScripts == ["postinst", "config"])
        #expect(package.conffiles == ["/etc/hello.conf", "/etc/hello.d/a"])
        #expect(package.triggers == nil)
        #expect(
            package.preDepends == [
                [PackageRelation(name: "init-system-helpers", constraint: .init(.laterOrEqual, "1.54~"))]
            ])
        #expect(
            package.depends == [
                [PackageRelation(name: "libc6", constraint: .init(.laterOrEqual, "2.34"))],
                [PackageRelation(name: "default-mta"), PackageRelation(name: "mail-transport-agent")],
                [PackageRelation(name: "python3", architecture: "any")],
            ])
        #expect(
            package.provides == [
                PackageRelation(name: "hello"), PackageRelation(name: "greeter", constraint: .init(.equal, "1.0")),
            ])
        #expect(package.control["description"] == "a greeting\nthat spans\n\nthree lines")
        #expect(package.dataMember == "data.tar\(compression)")
        #expect(try dataPaths(package).map(\.path) == ["./etc/hello.conf", "./usr/bin/hello"])
    }

    @Test func aFileThatIsNotWhatWasResolvedIsRejected() throws {
        let harness = try AptHarness()
        let apt = harness.apt()
        var fetched = try #require(try apt.fetch(try apt.resolve(["busybox-static"])).first)
        let actual = try DebianPackage(path: fetched.path)
        fetched.package.name = "busybox"
        #expect(
            throws: PackagesError(
                package: fetched.package.id, operation: "read .deb",
                message: "\(fetched.path) is \(actual.label) according to its control file: the repository index "
                    + "and the file disagree; remove the file and fetch again")
        ) {
            try DebianPackage(cached: fetched)
        }
    }

    enum Breakage: String, CaseIterable, Sendable {
        case notAnArchive, controlFirst, futureFormat, noData, dataBeforeControl, strayMember, noControlFile
        case noVersion, badInstalledSize, sourceStyleDepends, mislabelledControl, garbledData, emptyFile
    }

    @Test(arguments: Breakage.allCases)
    func brokenPackagesAreRejectedWithTheRule(breakage: Breakage) throws {
        let scratch = try TemporaryDirectory("deb-broken")
        let path = scratch.file("broken.deb")
        let binary: (String, [UInt8]) = ("debian-binary", Array("2.0\n".utf8))
        var controlText = fixtureControl
        switch breakage {
        case .noVersion: controlText = controlText.replacingOccurrences(of: "Version: 2:1.0-1\n", with: "")
        case .badInstalledSize:
            controlText = controlText.replacingOccurrences(of: "Installed-Size: 12", with: "Installed-Size: 1.5M")
        case .sourceStyleDepends:
            controlText = controlText.replacingOccurrences(of: "python3:any", with: "python3 [amd64]")
        default: break
        }
        let control = ("control.tar.gz", try tarArchive(["control": controlText], compression: ".gz", in: scratch))
        let data = ("data.tar.gz", try tarArchive(["a": "a"], compression: ".gz", in: scratch))
        let deb: [UInt8]
        let expected: String
        switch breakage {
        case .notAnArchive:
            deb = Array("just some text, long enough to not be anything else at all\n".utf8)
            expected = "not a .deb: it does not start with the ar archive signature \"!<arch>\\n\""
        case .emptyFile:
            deb = []
            expected = "not a .deb: it does not start with the ar archive signature \"!<arch>\\n\""
        case .mislabelledControl:
            deb = arArchive([binary, ("control.tar.xz", control.1), data])
            expected = "control.tar.xz: not xz data"
        case .garbledData:
            deb = arArchive([binary, control, ("data.tar", Array(repeating: 0x41, count: 1024))])
            expected = "data.tar: not a tar archive"
        case .controlFirst:
            deb = arArchive([control, binary, data])
            expected = "control.tar.gz: the first member of a .deb must be debian-binary (is this a .deb?)"
        case .futureFormat:
            deb = arArchive([("debian-binary", Array("3.0\n".utf8)), control, data])
            expected = "debian-binary: format \"3.0\" is not 2.x, the only one dpkg defines"
        case .noData:
            deb = arArchive([binary, control])
            expected = "data.tar.*: missing member"
        case .dataBeforeControl:
            deb = arArchive([binary, data, control])
            expected = "data.tar.gz: the data archive comes before the control archive"
        case .strayMember:
            deb = arArchive([binary, ("evil.sh", Array("rm -rf /".utf8)), control, data])
            expected = "evil.sh: unexpected member (deb(5) allows only debian-binary, control.tar.*, data.tar.*)"
        case .noControlFile:
            deb = arArchive([
                binary, ("control.tar.gz", try tarArchive(["md5sums": ""], compression: ".gz", in: scratch)), data,
            ])
            expected = "control.tar.gz: has no control file"
        case .noVersion, .badInstalledSize, .sourceStyleDepends:
            deb = arArchive([binary, control, data])
            expected =
                [
                    .noVersion: "required field Version is missing",
                    .badInstalledSize: "Installed-Size \"1.5M\": expected a whole number of KiB",
                    .sourceStyleDepends: "Depends: \"python3 [amd64]\": unexpected \"[amd64]\" (architecture lists and "
                        + "build profiles belong in source packages)",
                ][breakage] ?? ""
        }
        try Data(deb).write(to: URL(fileURLWithPath: path))
        let error = try #require(throws: PackagesError.self) { try DebianPackage(path: path) }
        #expect(error.message == expected)
        #expect(error.package == path || error.package == "control of \(path)")
    }
}
