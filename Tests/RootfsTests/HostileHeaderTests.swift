import Foundation
import Rootfs
import TestSupport
import Testing

/// Hostile tar headers read through the real layer path: names with NUL bytes or past the length
/// limits, sizes no data backs, files at the per-file limit, layers of many entries.
@Suite struct HostileHeaderTests {
    /// A pax name with a NUL byte is refused, not cut short into a name that exists.
    @Test(arguments: [Compression.none, .gzip, .zstd])
    func aNulInAPaxNameStopsTheLayer(compression: Compression) throws {
        let workspace = try Workspace()
        let name = Array("etc/passwd".utf8) + [0] + Array(".txt".utf8)
        let layer = try writePaxTar(
            [
                PaxMember(name: "etc", type: "5"),
                PaxMember(name: "x", data: Array("root::0:0::/:/bin/sh\n".utf8), before: [.pax("path", name)]),
            ], to: workspace.input("nul.tar"), compression: compression)
        let assembler = workspace.assembler()
        #expect(
            throws: RootfsError(
                layer: layer,
                rule: .archive(
                    operation: "read header of etc/passwd",
                    message: #"the pax record "path" contains a NUL byte ("etc/passwd\x00.txt"); "#
                        + "tar readers disagree on the name such a header gives, so it is refused"))
        ) { try assembler.apply([.tar(path: layer)]) }
        #expect(assembler.tree.node(at: "/etc/passwd") == nil)
    }

    struct Named: Sendable, CustomTestStringConvertible {
        var name: String
        var path: String
        var rule: RootfsError.Rule?
        var testDescription: String { name }
    }

    static let component255 = String(repeating: "c", count: 255)
    static let named: [Named] = [
        Named(name: "a 255-byte component", path: "d/" + component255, rule: nil),
        Named(name: "a 256-byte component", path: "d/" + component255 + "c", rule: .componentTooLong(bytes: 256)),
        Named(
            name: "a 4096-byte path", path: Array(repeating: "p", count: 2048).joined(separator: "/") + "q", rule: nil),
        Named(
            name: "a 4097-byte path", path: Array(repeating: "p", count: 2049).joined(separator: "/"),
            rule: .pathTooLong(bytes: 4097)),
        Named(name: "a 64 KiB path", path: String(repeating: "a/", count: 32768), rule: .pathTooLong(bytes: 65536)),
    ]

    /// Names at and past the limits, given in pax headers as long names are.
    @Test(arguments: named)
    func longNamesStopAtTheirLimit(_ named: Named) throws {
        let workspace = try Workspace()
        let layer = try writePaxTar(
            [PaxMember(name: "x", data: [1], before: [.pax("path", Array(named.path.utf8))])],
            to: workspace.input("long.tar"), compression: .gzip)
        let assembler = workspace.assembler()
        if let rule = named.rule {
            #expect(throws: RootfsError(layer: layer, entry: named.path, rule: rule)) {
                try assembler.apply([.tar(path: layer)])
            }
        } else {
            try assembler.apply([.tar(path: layer)])
            #expect(assembler.tree.node(at: "/" + named.path) != nil)
        }
    }

    /// Link targets are kept as written up to 4095 bytes, the longest Linux resolves.
    @Test func linkTargetsStopAtTheirLimit() throws {
        let workspace = try Workspace()
        let longest = "/" + String(repeating: "t", count: 4094)
        let layer = try writePaxTar(
            [PaxMember(name: "ok", type: "2", link: "x", before: [.pax("linkpath", Array(longest.utf8))])],
            to: workspace.input("ok.tar"))
        let assembler = workspace.assembler()
        try assembler.apply([.tar(path: layer)])
        #expect(assembler.tree.node(at: "/ok")?.kind == .symlink(target: longest))

        let over = try writePaxTar(
            [PaxMember(name: "over", type: "2", link: "x", before: [.pax("linkpath", Array((longest + "t").utf8))])],
            to: workspace.input("over.tar"))
        #expect(
            throws: RootfsError(
                layer: over, entry: "over", rule: .invalidLinkTarget("it is 4096 bytes; targets are limited to 4095"))
        ) { try workspace.assembler().apply([.tar(path: over)]) }
    }

    /// A header claiming a tebibyte is refused by the per-file limit before anything is stored;
    /// with that limit raised, by the store's limit; with both raised, by the data's absence.
    @Test(arguments: [Compression.none, .gzip])
    func aTebibyteClaimStopsBeforeAnythingIsStored(compression: Compression) throws {
        let tebibyte: Int64 = 1 << 40
        let workspace = try Workspace()
        let sources = try workspace.tarLayers(
            [[Member(name: "huge", data: Array("tiny".utf8), claimedSize: Int(tebibyte)), .file("after")]],
            compression: compression)
        guard case .tar(let layer) = sources[0] else { return }
        #expect(
            throws: RootfsError(
                layer: layer, entry: "huge",
                rule: .fileTooLarge(size: tebibyte, limit: RootfsLimits.default.maximumFileSize))
        ) { try workspace.assembler().apply(sources) }
        #expect(workspace.store.reservedBytes == 0)

        let raised = RootfsLimits(maximumFileSize: 2 * tebibyte)
        let error = try #require(rootfsError { try workspace.assembler(limits: raised).apply(sources) })
        #expect(error.layer == layer)
        if compression == .none {
            // Uncompressed data is referenced in place, never stored: skipping it finds the file short.
            guard case .archive(let operation, let message) = error.rule else {
                Issue.record("expected an archive error, got \(error)")
                return
            }
            #expect(operation == "read header after huge")
            #expect(message.hasPrefix("Truncated input file (needed 1099511627776 bytes"), "\(message)")
        } else {
            #expect(error == RootfsError(layer: layer, entry: "huge", rule: .contentLimit(limit: 64 << 30)))
        }
        #expect(workspace.store.reservedBytes == 0)
    }

    /// A file of exactly the per-file limit is read; one byte more is refused, whether the data is
    /// referenced in place or decompressed into the store.
    @Test(arguments: [Compression.none, .gzip])
    func theFileLimitIsExact(compression: Compression) throws {
        let limit: Int64 = 1 << 20
        let workspace = try Workspace()
        let sources = try workspace.tarLayers(
            [[Member(name: "at", patternSize: Int(limit))], [Member(name: "over", patternSize: Int(limit) + 1)]],
            compression: compression)
        guard case .tar(let over) = sources[1] else { return }
        let assembler = workspace.assembler(limits: RootfsLimits(maximumFileSize: limit))
        #expect(throws: RootfsError(layer: over, entry: "over", rule: .fileTooLarge(size: limit + 1, limit: limit))) {
            try assembler.apply(sources)
        }
        try assembler.apply([sources[0]])
        let at = try content(try #require(assembler.tree.node(at: "/at")))
        #expect(try at.readBytes() == Member.pattern(Int(limit)))
    }

    /// A hundred thousand entries read and merge; the entry limit is exact.
    @Test func manyEntriesReadAndTheLimitIsExact() throws {
        let workspace = try Workspace()
        let count = 100_000
        let tar = workspace.input("many.tar")
        try runChecked([
            "python3", "-c",
            """
            import tarfile, sys
            with tarfile.open(sys.argv[1], 'w', format=tarfile.PAX_FORMAT) as t:
                for i in range(int(sys.argv[2])):
                    t.addfile(tarfile.TarInfo('d%d/f%d' % (i % 100, i)))
            """, tar, "\(count)",
        ])
        try runChecked(["gzip", "-n", tar])
        let layer = tar + ".gz"
        let assembler = workspace.assembler(limits: RootfsLimits(maximumEntriesPerLayer: count))
        try assembler.apply([.tar(path: layer)])
        #expect(assembler.tree.summary().regularFiles == count)
        #expect(throws: RootfsError(layer: layer, entry: "d99/f99999", rule: .tooManyEntries(limit: count - 1))) {
            try workspace.assembler(limits: RootfsLimits(maximumEntriesPerLayer: count - 1)).apply([.tar(path: layer)])
        }
    }
}
