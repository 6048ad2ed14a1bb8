import Foundation
import Rootfs
import TestSupport
import Testing

/// A fresh temporary directory with an output directory for the content store and an input directory.
final class Workspace: Sendable {
    let scratch: TemporaryDirectory
    let store: ContentStore
    var inputs: String { scratch.file("inputs") }
    var output: String { scratch.file("output") }

    init(limit: Int64 = RootfsLimits.default.maximumContentBytes) throws {
        scratch = try TemporaryDirectory("rootfs")
        try FileManager.default.createDirectory(atPath: scratch.file("inputs"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: scratch.file("output"), withIntermediateDirectories: true)
        store = try ContentStore(directory: scratch.file("output"), limit: limit)
    }

    func input(_ name: String) -> String { inputs + "/" + name }

    /// Writes one tar layer per element of `layers`, named layer1.tar, layer2.tar...
    func tarLayers(_ layers: [[Member]], compression: Compression = .none) throws -> [LayerSource] {
        try layers.enumerated().map { index, members in
            .tar(path: try writeTar(members, to: input("layer\(index + 1).tar"), compression: compression))
        }
    }

    func assembler(limits: RootfsLimits = .default) -> RootfsAssembler {
        RootfsAssembler(store: store, limits: limits)
    }
}

extension Tree {
    /// Every path except the root, in walk order.
    var paths: [String] {
        var paths: [String] = []
        walk { path, _ in if path != "/" { paths.append(path) } }
        return paths
    }
}

/// The error `body` throws, if it is a RootfsError.
func rootfsError(_ body: () throws -> Void) -> RootfsError? {
    do {
        try body()
    } catch let error as RootfsError {
        return error
    } catch {
        Issue.record("expected a RootfsError, got \(error)")
    }
    return nil
}
