import Archive
import Dispatch
import Foundation
import Rootfs
import TestSupport
import Testing

/// Small files packed into the content store keep their exact bytes when the decompressor hands
/// them over in several blocks and many layers are read at once, the way a `packages:` layer reads
/// its .debs. An optimized build once took such a split file for a thrown error and crashed (see
/// `ContentWriter.copy`); in a debug build this checks the bytes, in a release build
/// (`swift test -c release`) it also catches that crash.
@Suite struct PackedContentTests {
    /// How the fixture archive is compressed: the filters Debian packages and image layers use.
    enum Filter: String, CaseIterable, Sendable {
        case gzip, zstd, xz
    }

    /// Files of 1 byte to a little over the packing limit, of bytes that differ from file to file,
    /// so that many of them straddle a decompressor's output buffer.
    static let memberCount = 160

    static func members() -> [(path: String, bytes: [UInt8])] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        return (0..<memberCount).map { index in
            let size = index % 40 == 0 ? 65_536 + index : Int(next() % 24_000) + 1
            return ("d\(index % 7)/f\(index)", (0..<size).map { _ in UInt8(truncatingIfNeeded: next()) })
        }
    }

    /// The archive of `members()` compressed with `filter`, written to `directory`; returns its path.
    static func archive(_ filter: Filter, in directory: TemporaryDirectory) throws -> String {
        let path = directory.file("layer.tar" + (filter == .xz ? "" : "." + filter.rawValue))
        let writer = try ArchiveWriter(
            path: path, format: .paxTar,
            compression: filter == .gzip ? .gzip : filter == .zstd ? .zstd : .none)
        for directoryIndex in 0..<7 { try writer.write(ArchiveEntry(path: "d\(directoryIndex)", type: .directory)) }
        for member in members() {
            try writer.write(ArchiveEntry(path: member.path, type: .regular), bytes: member.bytes)
        }
        _ = try writer.close()
        guard filter == .xz else { return path }
        try runChecked(["xz", "-0", "-f", "-T1", path])
        return path + ".xz"
    }

    @Test(arguments: Filter.allCases)
    func concurrentReadsKeepEverySplitFileExact(_ filter: Filter) throws {
        let workspace = try Workspace()
        let path = try Self.archive(filter, in: workspace.scratch)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))

        // The fixture must exercise what it is about: packed files arriving in more than one block.
        let probe = try ArchiveReader(bytes: bytes, label: "probe")
        var split = 0
        while let member = try probe.next() {
            guard member.type == .regular, member.size <= 65_536 else { continue }
            var blocks = 0
            try probe.forEachBlock { _, _ in blocks += 1 }
            if blocks > 1 { split += 1 }
        }
        #expect(split >= 10, "only \(split) packed files arrived in several blocks")

        // Eight readers at once, each with its own ArchiveReader over its own copy of the bytes.
        let reader = workspace.assembler().layerReader
        let results = Locked([Result<Layer, any Error>?](repeating: nil, count: 8))
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            let result = Result {
                try reader.read(try ArchiveReader(bytes: bytes, label: "copy \(index)"), label: "layer \(index)")
            }
            results.withLock { $0[index] = result }
        }

        // tar, not slipway, says what each file holds.
        let extracted = workspace.scratch.file("extracted")
        try FileManager.default.createDirectory(atPath: extracted, withIntermediateDirectories: true)
        try runChecked(["tar", "-xf", path, "-C", extracted])
        for result in results.withLock({ $0 }) {
            let layer = try #require(result).get()
            let assembler = workspace.assembler()
            try assembler.merge(layer)
            var files = 0
            try assembler.tree.walk { treePath, node in
                guard case .regular(let content) = node.kind else { return }
                files += 1
                let expected = [UInt8](try Data(contentsOf: URL(fileURLWithPath: extracted + treePath)))
                let actual = try content.readBytes()
                #expect(actual == expected, "\(layer.label): \(treePath) differs from tar's copy")
            }
            #expect(files == Self.memberCount)
        }
    }
}

/// A value shared by the concurrent readers.
private final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
