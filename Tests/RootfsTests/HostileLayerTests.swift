import Foundation
import Rootfs
import TestSupport
import Testing

/// Hostile layers stop the build with the exact rule broken, and nothing is written anywhere but
/// the content store.
@Suite struct HostileLayerTests {
    /// Every file under `directory` with its size, to compare before and after.
    static func listing(_ directory: String) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: directory)
        var entries: [String] = []
        while let name = enumerator?.nextObject() as? String {
            let attributes = enumerator?.fileAttributes
            entries.append("\(name) \(attributes?[.type] ?? "") \(attributes?[.size] ?? "")")
        }
        return entries.sorted()
    }

    struct Hostile: Sendable, CustomTestStringConvertible {
        var name: String
        var layers: [[Member]]
        var entry: String?
        var rule: RootfsError.Rule
        var testDescription: String { name }
    }

    static let cases: [Hostile] = [
        Hostile(name: "parent traversal", layers: [[.file("../x", "evil")]], entry: "../x", rule: .parentReference),
        Hostile(name: "absolute path", layers: [[.file("/etc/x", "evil")]], entry: "/etc/x", rule: .absolutePath),
        Hostile(
            name: "traversal inside a path", layers: [[.file("a/../../x", "evil")]], entry: "a/../../x",
            rule: .parentReference),
        Hostile(
            name: "symlink escape in one layer",
            layers: [[.symlink("link", to: "/etc"), .file("link/passwd", "root::0:0::/:/bin/sh")]],
            entry: "link/passwd", rule: .parentIsSymlink("/link")),
        Hostile(
            name: "symlink escape across layers",
            layers: [[.symlink("link", to: "../../../../etc")], [.file("link/x/passwd", "evil")]],
            entry: "link/x/passwd", rule: .parentIsSymlink("/link")),
        Hostile(
            name: "relative symlink escape", layers: [[.dir("a"), .symlink("a/up", to: ".."), .file("a/up/x")]],
            entry: "a/up/x", rule: .parentIsSymlink("/a/up")),
        Hostile(
            name: "file used as a directory", layers: [[.file("f")], [.file("f/x")]], entry: "f/x",
            rule: .parentNotDirectory("/f")),
        Hostile(
            name: "device used as a directory",
            layers: [[Member(name: "d", kind: .char, major: 1, minor: 3), .file("d/x")]],
            entry: "d/x", rule: .parentNotDirectory("/d")),
        Hostile(
            name: "whiteout used as a directory", layers: [[.file(".wh.d/x")]], entry: ".wh.d/x",
            rule: .whiteoutAsDirectory(".wh.d")),
        Hostile(name: "whiteout of nothing", layers: [[.file("a/.wh.")]], entry: "a/.wh.", rule: .whiteoutNamesNothing),
        Hostile(
            name: "root replaced by a link", layers: [[.symlink(".", to: "/etc")]], entry: ".", rule: .rootNotDirectory),
        Hostile(
            name: "empty symlink target", layers: [[.symlink("l", to: "")]], entry: "l",
            rule: .invalidLinkTarget("it is empty")),
        Hostile(
            name: "over-long name", layers: [[.file(String(repeating: "x", count: 300))]],
            entry: String(repeating: "x", count: 300), rule: .componentTooLong(bytes: 300)),
    ]

    @Test(arguments: cases)
    func hostileEntriesFailWithTheirRule(_ hostile: Hostile) throws {
        let workspace = try Workspace()
        let sources = try workspace.tarLayers(hostile.layers)
        let store = "output/" + URL(fileURLWithPath: workspace.store.path).lastPathComponent
        let before = Self.listing(workspace.scratch.path).filter { !$0.hasPrefix(store) }
        let assembler = workspace.assembler()
        let error = rootfsError { try assembler.apply(sources) }
        guard case .tar(let layer) = sources.last else { return }
        #expect(error == RootfsError(layer: layer, entry: hostile.entry, rule: hostile.rule))
        // Nothing but the content store (in the output directory) changed.
        #expect(Self.listing(workspace.scratch.path).filter { !$0.hasPrefix(store) } == before)
        #expect(!FileManager.default.fileExists(atPath: workspace.scratch.file("x")))
        #expect(!FileManager.default.fileExists(atPath: workspace.inputs + "/../x"))
        workspace.store.remove()
        #expect(Self.listing(workspace.scratch.path) == before)
    }

    @Test func symlinkEscapeMessageNamesLayerEntryAndRule() throws {
        let workspace = try Workspace()
        let sources = try workspace.tarLayers([[.symlink("link", to: "/etc"), .file("link/passwd")]])
        let error = try #require(rootfsError { try workspace.assembler().apply(sources) })
        #expect(
            error.description
                == "layer \(workspace.input("layer1.tar")): entry \"link/passwd\": parent \"/link\" is a symbolic link "
                + "in the tree; layers may not write through links")
    }

    /// A header claims far more data than the archive holds.
    @Test(arguments: [Compression.none, .gzip, .zstd])
    func claimedSizesTheDataDoesNotBackFail(_ compression: Compression) throws {
        let workspace = try Workspace()
        let sources = try workspace.tarLayers(
            [[Member(name: "huge", data: Array("tiny".utf8), claimedSize: 1 << 33), .file("after")]],
            compression: compression)
        let error = try #require(rootfsError { try workspace.assembler().apply(sources) })
        guard case .tar(let layer) = sources[0] else { return }
        #expect(error.layer == layer)
        guard case .archive(let operation, let message) = error.rule else {
            Issue.record("expected an archive error, got \(error)")
            return
        }
        #expect(operation == "read header after huge" || operation == "read data of huge")
        #expect(message.contains("Truncated") || message.contains("truncated"))
        #expect(workspace.store.reservedBytes <= 1 << 33, "nothing is allocated for the claim")
    }

    @Test func filesOverTheLimitFailBeforeAnythingIsStored() throws {
        let workspace = try Workspace()
        let sources = try workspace.tarLayers([[Member(name: "big", patternSize: 5000)]], compression: .gzip)
        let limits = RootfsLimits(maximumFileSize: 4096)
        #expect(
            throws: RootfsError(
                layer: workspace.input("layer1.tar.gz"), entry: "big", rule: .fileTooLarge(size: 5000, limit: 4096))
        ) {
            try workspace.assembler(limits: limits).apply(sources)
        }
        #expect(workspace.store.reservedBytes == 0)
    }

    @Test func decompressionBeyondTheStoreLimitFails() throws {
        let workspace = try Workspace(limit: 3 << 20)
        let sources = try workspace.tarLayers(
            [[Member(name: "a", patternSize: 2_000_000), Member(name: "b", patternSize: 2_000_000)]], compression: .xz)
        #expect(
            throws: RootfsError(
                layer: workspace.input("layer1.tar.xz"), entry: "b", rule: .contentLimit(limit: 3 << 20))
        ) {
            try workspace.assembler().apply(sources)
        }
    }

    @Test func tooManyEntriesFail() throws {
        let workspace = try Workspace()
        let sources = try workspace.tarLayers([(0..<5).map { Member.file("f\($0)") }])
        #expect(throws: RootfsError(layer: workspace.input("layer1.tar"), entry: "f3", rule: .tooManyEntries(limit: 3)))
        {
            try workspace.assembler(limits: RootfsLimits(maximumEntriesPerLayer: 3)).apply(sources)
        }
    }

    @Test func damagedHeadersFail() throws {
        let workspace = try Workspace()
        let path = try writeTar([.file("a", "1"), .file("b", "2")], to: workspace.input("bad.tar"))
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[1024 + 148] ^= 0x07  // checksum field of the second header
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(
            throws: RootfsError(
                layer: path, rule: .archive(operation: "read header after a", message: "Damaged tar archive"))
        ) {
            try workspace.assembler().apply([.tar(path: path)])
        }
    }

    @Test func garbageIsNotALayer() throws {
        let workspace = try Workspace()
        let path = workspace.input("garbage.tar")
        try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }).write(to: URL(fileURLWithPath: path))
        #expect(
            throws: RootfsError(layer: path, rule: .archive(operation: "open", message: "Unrecognized archive format"))
        ) {
            try workspace.assembler().apply([.tar(path: path)])
        }
    }

    @Test func nothingIsMergedWhenALaterLayerFails() throws {
        let workspace = try Workspace()
        let sources = try workspace.tarLayers([[.file("good")], [.file("../bad")]])
        let assembler = workspace.assembler()
        #expect(throws: RootfsError.self) { try assembler.apply(sources) }
        #expect(assembler.tree.paths.isEmpty)
    }
}
