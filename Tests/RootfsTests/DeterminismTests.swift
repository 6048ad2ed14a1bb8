import Archive
import Foundation
import Rootfs
import TestSupport
import Testing

/// The same inputs give the same tree, however the concurrent reads were scheduled.
@Suite struct DeterminismTests {
    static func sources(_ workspace: Workspace) throws -> [LayerSource] {
        var sources: [LayerSource] = []
        for (index, compression) in Compression.allCases.enumerated() {
            let members: [Member] =
                (0..<40).map { Member(name: "d\($0 % 5)/f\($0)", patternSize: 100 + $0 * 997 * (index + 1)) } + [
                    .hardlink("link\(index)", to: "d0/f0"), .whiteout("d\(index)/f\(index + 10)"),
                    Member(name: "big\(index)", patternSize: 1_200_000 + index),
                ]
            sources.append(
                .tar(path: try writeTar(members, to: workspace.input("l\(index).tar"), compression: compression)))
        }
        let overlay = workspace.input("overlay")
        try FileManager.default.createDirectory(atPath: overlay + "/d1", withIntermediateDirectories: true)
        try Data("over".utf8).write(to: URL(fileURLWithPath: overlay + "/d1/f1"))
        sources.append(.directory(path: overlay))
        sources.append(.files([InlineFile(path: "etc/hostname", bytes: Array("h".utf8))]))
        return sources
    }

    @Test func twoAssembliesGiveEqualTrees() throws {
        let workspace = try Workspace()
        let sources = try Self.sources(workspace)
        let first = workspace.assembler()
        try first.apply(sources)
        let second = workspace.assembler()
        try second.apply(sources)
        #expect(try differences(first.tree, second.tree) == [])
        #expect(first.tree.summary() == second.tree.summary())
        #expect(first.tree.summary().regularFiles > 40)

        // Layers read one at a time, on this thread, merge to the same tree.
        let sequential = workspace.assembler()
        for source in sources {
            for layer in try sequential.readLayers([source]) { try sequential.merge(layer) }
        }
        #expect(try differences(first.tree, sequential.tree) == [])
    }

    @Test func theComparisonNoticesADifference() throws {
        let workspace = try Workspace()
        let sources = try Self.sources(workspace)
        let first = workspace.assembler()
        try first.apply(sources)
        let second = workspace.assembler()
        try second.apply(sources + [.files([InlineFile(path: "d1/f1", bytes: Array("changed".utf8))])])
        #expect(try differences(first.tree, second.tree).count == 1)
        let third = workspace.assembler()
        try third.apply(sources)
        third.tree.node(at: "/link3")?.metadata.uid = 7
        #expect(try differences(first.tree, third.tree).count == 2, "both names of the inode changed")
    }

    /// The way the Debian package installer feeds each data.tar: an open reader, one layer each.
    @Test func openReadersApplyAsLayers() throws {
        let workspace = try Workspace()
        let tar = try writeTar(
            [.file("usr/bin/tool", "binary", mode: 0o755), .whiteout("etc/old")], to: workspace.input("data.tar"))
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: tar)))
        let assembler = workspace.assembler()
        try assembler.apply([.files([InlineFile(path: "etc/old", bytes: [1])])])
        try assembler.apply(reader: try ArchiveReader(bytes: bytes, label: "data.tar"), label: "data.tar of tool.deb")
        #expect(assembler.tree.paths == ["/etc", "/usr", "/usr/bin", "/usr/bin/tool"])
        let tool = try content(try #require(assembler.tree.node(at: "/usr/bin/tool")))
        #expect(try tool.readBytes() == Array("binary".utf8))
        if case .file(let path, _, _) = tool { #expect(path == workspace.store.path) }

        let error = rootfsError {
            try assembler.apply(
                reader: try ArchiveReader(bytes: try tarBytes([.file("../x")], workspace), label: "d"),
                label: "data.tar of evil.deb")
        }
        #expect(error == RootfsError(layer: "data.tar of evil.deb", entry: "../x", rule: .parentReference))
    }

    private func tarBytes(_ members: [Member], _ workspace: Workspace) throws -> [UInt8] {
        let path = try writeTar(members, to: workspace.input("t-\(UUID().uuidString).tar"))
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
