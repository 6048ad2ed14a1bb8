import Foundation
import Testing

@testable import Packages

@Suite struct PackageFetchTests {
    /// Modification times of every file under `directory`, by relative path.
    private func snapshot(_ directory: String) throws -> [String: Date] {
        var times: [String: Date] = [:]
        let enumerator = FileManager.default.enumerator(atPath: directory)
        while let relative = enumerator?.nextObject() as? String {
            let attributes = try FileManager.default.attributesOfItem(atPath: "\(directory)/\(relative)")
            times[relative] = attributes[.modificationDate] as? Date
        }
        return times
    }

    @Test func downloadsVerifiesAndThenHitsTheCache() throws {
        let harness = try AptHarness()
        let apt = harness.apt()
        let resolved = try apt.resolve(["tini"])
        var events: [FetchProgress] = []
        let first = try apt.fetch(resolved) { events.append($0) }

        #expect(first.map(\.package) == resolved)
        #expect(first.allSatisfy { !$0.wasCached })
        for fetched in first {
            #expect(fetched.path == harness.cache.path(sha256: fetched.package.sha256))
            #expect(try sha256sum(fetched.path) == fetched.package.sha256)
            let index = harness.cache.indexPath(for: fetched.package)
            #expect(
                try FileManager.default.destinationOfSymbolicLink(atPath: index)
                    == "../sha256/\(fetched.package.sha256).deb")
        }
        #expect(harness.commands == ["install", "download"])
        let stored = events.filter { $0.step == .stored }
        #expect(stored.map(\.package) == resolved.map(\.id))
        #expect(stored.map(\.completed) == Array(1...resolved.count))
        // apt's status lines drive byte progress while it downloads, naming the file it started.
        let downloading = events.filter { $0.step == .downloading }
        #expect(!downloading.isEmpty)
        #expect(Set(downloading.map(\.package)).isSubset(of: Set(resolved.map(\.id) + [""])))
        #expect(downloading.contains { !$0.package.isEmpty })
        #expect(downloading.map(\.completedBytes) == downloading.map(\.completedBytes).sorted())
        let last = try #require(events.last)
        #expect(last.completed == resolved.count && last.total == resolved.count)
        #expect(last.completedBytes == resolved.reduce(0) { $0 + $1.size } && last.completedBytes == last.totalBytes)
        // Downloads happen in a scratch directory that is gone afterwards.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: "\(harness.cache.directory)/debs/tmp")
        #expect(leftovers.isEmpty)

        let before = try snapshot("\(harness.cache.directory)/debs")
        var again: [FetchProgress] = []
        let second = try apt.fetch(resolved) { again.append($0) }
        #expect(second.allSatisfy { $0.wasCached })
        #expect(second.map(\.path) == first.map(\.path))
        #expect(harness.commands == ["install", "download"], "a cache hit runs no apt-get download")
        #expect(again.map(\.step) == Array(repeating: .cached, count: resolved.count))
        #expect(try snapshot("\(harness.cache.directory)/debs") == before)
    }

    enum Damage: String, CaseIterable, Sendable {
        case flippedByte, truncated, emptied
    }

    @Test(arguments: Damage.allCases)
    func aCorruptCachedFileIsReplaced(damage: Damage) throws {
        let harness = try AptHarness()
        let apt = harness.apt()
        let resolved = try apt.resolve(["busybox-static"])
        let path = try #require(try apt.fetch(resolved).first).path
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        switch damage {
        case .flippedByte: bytes[bytes.count / 2] ^= 0xFF
        case .truncated: bytes.removeLast(1000)
        case .emptied: bytes = []
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        let refetched = try #require(try apt.fetch(resolved).first)
        #expect(!refetched.wasCached)
        #expect(refetched.path == path)
        #expect(try sha256sum(path) == resolved[0].sha256)
        #expect(harness.commands == ["install", "download", "download"])
        let notice = try #require(harness.notices.all.first)
        #expect(notice.hasPrefix("cached \(resolved[0].id) at \(path) had "))
        #expect(notice.hasSuffix("; removed, downloading it again"))
    }

    @Test func aFileThatDoesNotMatchTheIndexIsNeverStored() throws {
        let harness = try AptHarness()
        let apt = harness.apt()
        var package = try #require(try apt.resolve(["busybox-static"]).first)
        let genuine = package.sha256
        package.sha256 = String(repeating: "0", count: 64)
        #expect(
            throws: PackagesError(
                package: package.id, operation: "verify download",
                message: "got \(package.size) bytes with SHA-256 \(genuine), the package index says \(package.size) "
                    + "bytes with SHA-256 \(package.sha256): the mirror served a different file; refresh the package "
                    + "lists (apt-get update) and try again")
        ) {
            try apt.fetch([package])
        }
        #expect(!FileManager.default.fileExists(atPath: harness.cache.path(sha256: package.sha256)))
        #expect(!FileManager.default.fileExists(atPath: harness.cache.path(sha256: genuine)))
    }

    @Test func aVersionTheMirrorDoesNotHaveNamesThePackage() throws {
        let harness = try AptHarness()
        let apt = harness.apt()
        var package = try #require(try apt.resolve(["tini"]).last)
        package.version = "0.0.1-slipway"
        let error = try #require(throws: PackagesError.self) { try apt.fetch([package]) }
        #expect(error.package == "tini")
        #expect(error.operation == "download")
        #expect(error.message.hasPrefix("apt-get download: Version '0.0.1-slipway' for 'tini' was not found."))
    }

    @Test(arguments: [
        ("name", "--option", "lower-case letters, digits, + - ."),
        ("version", "1.0/../../x", "letters, digits, + - . ~ :"),
        ("architecture", "amd64 -o", "lower-case letters, digits, -"),
        ("sha256", "../../../etc/passwd", "64 lower-case hex digits"),
        ("sha256", String(repeating: "a", count: 63), "64 lower-case hex digits"),
        ("file name", "../../outside.deb", "a file name without /"),
    ])
    func recordsFromFilesCannotEscapeTheCache(field: String, value: String, rule: String) throws {
        let harness = try AptHarness()
        var package = ResolvedPackage(
            name: "tini", version: "0.19.0-1", architecture: "amd64", sha256: String(repeating: "a", count: 64),
            size: 1, uri: "http://mirror/tini.deb", fileName: "tini_0.19.0-1_amd64.deb")
        switch field {
        case "name": package.name = value
        case "version": package.version = value
        case "architecture": package.architecture = value
        case "sha256": package.sha256 = value
        default: package.fileName = value
        }
        #expect(
            throws: PackagesError(
                package: "\(package.name)_\(package.version)_\(package.architecture)",
                operation: "check package record",
                message: "\(field) \"\(value)\": expected \(rule), starting with a letter or digit")
        ) {
            try harness.apt().fetch([package])
        }
        #expect(harness.commands.isEmpty)
    }

    @Test func theSamePackageTwiceIsFetchedOnce() throws {
        let harness = try AptHarness()
        let apt = harness.apt()
        let package = try #require(try apt.resolve(["busybox-static"]).first)
        let fetched = try apt.fetch([package, package])
        #expect(fetched.count == 2)
        #expect(fetched[0].path == fetched[1].path)
        #expect(harness.commands == ["install", "download"])
    }
}
