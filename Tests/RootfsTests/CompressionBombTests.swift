import Foundation
import Rootfs
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A gibibyte of zeros in a few megabytes of gzip, zstd or xz: read within the content limit it
/// spills as holes, costing neither writes nor space; past the limit it stops with the limit's
/// message before its data is decompressed. Peak memory is measured on the real command in
/// BuildTests' CompressionBombMemoryTests.
@Suite struct CompressionBombTests {
    static let gibibyte: Int64 = 1 << 30

    /// The bytes the file at `path` takes on disk.
    static func allocatedBytes(_ path: String) -> Int64 {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_blocks) * 512 : -1
    }

    /// One bomb read twice: into a store whose limit is below the size its header claims, which
    /// refuses it before decompressing anything, then into one with the default limit.
    @Test(arguments: [Compression.gzip, .zstd, .xz])
    func aGibibyteOfZerosStopsAtTheLimitOrSpillsAsHoles(compression: Compression) throws {
        let workspace = try Workspace()
        let bomb = try writeZeroBomb(
            [("zeros", Self.gibibyte)], to: workspace.input("bomb.tar"), compression: compression)
        #expect(try FileManager.default.attributesOfItem(atPath: bomb)[.size] as? Int ?? 0 < 8 << 20)

        let limit: Int64 = 512 << 20
        let limited = try ContentStore(directory: workspace.output, limit: limit)
        let error = try #require(rootfsError { try RootfsAssembler(store: limited).apply([.tar(path: bomb)]) })
        #expect(error == RootfsError(layer: bomb, entry: "zeros", rule: .contentLimit(limit: limit)))
        #expect(
            error.description
                == "layer \(bomb): entry \"zeros\": file contents exceed 536870912 bytes in total "
                + "(RootfsLimits.maximumContentBytes); is the layer a decompression bomb, or does the image need "
                + "a larger limit?")
        #expect(limited.reservedBytes == 0)

        let assembler = workspace.assembler()
        try assembler.apply([.tar(path: bomb)])
        let zeros = try content(try #require(assembler.tree.node(at: "/zeros")))
        #expect(zeros.length == Self.gibibyte)
        guard case .file(let path, let offset, _) = zeros else {
            Issue.record("expected the file in the content store, got \(zeros)")
            return
        }
        #expect(path == workspace.store.path)
        #expect(Self.allocatedBytes(path) < 4 << 20, "the spill file holds holes, not a gibibyte of zeros")
        for at in [0, Self.gibibyte / 2 + 12345, Self.gibibyte - 4096] {
            let page = try FileContent.file(path: path, offset: offset + at, length: 4096).readBytes()
            #expect(page == [UInt8](repeating: 0, count: 4096), "at \(at)")
        }
    }

    /// The same gibibyte as four members, each within the limit: the store stops at the member
    /// that would pass it, having written nothing but holes.
    @Test func aBombSpreadOverMembersStopsAtTheMemberPastTheLimit() throws {
        let limit: Int64 = 768 << 20
        let workspace = try Workspace(limit: limit)
        let members = (0..<4).map { (name: "zeros-\($0)", size: Self.gibibyte / 4) }
        let bomb = try writeZeroBomb(members, to: workspace.input("bomb.tar"), compression: .zstd)
        #expect(throws: RootfsError(layer: bomb, entry: "zeros-3", rule: .contentLimit(limit: limit))) {
            try workspace.assembler().apply([.tar(path: bomb)])
        }
        #expect(workspace.store.reservedBytes == 3 * Self.gibibyte / 4)
        #expect(Self.allocatedBytes(workspace.store.path) < 4 << 20)
    }

    /// Zeros inside data are skipped page by page; the data around them is kept exactly.
    @Test func dataBetweenZeroPagesIsKept() throws {
        let workspace = try Workspace()
        var bytes = [UInt8](repeating: 0, count: 3 << 20)
        for (index, at) in [0, 4095, 4096, 1 << 20 + 17, (3 << 20) - 1].enumerated() { bytes[at] = UInt8(index + 1) }
        let sources = try workspace.tarLayers([[Member(name: "mixed", data: bytes)]], compression: .gzip)
        let assembler = workspace.assembler()
        try assembler.apply(sources)
        let mixed = try content(try #require(assembler.tree.node(at: "/mixed")))
        #expect(try mixed.readBytes() == bytes)
        #expect(Self.allocatedBytes(workspace.store.path) < 1 << 20)
    }
}
