// Assembling a root filesystem: layers are read concurrently (decompression and hashing dominate,
// xz above all) into Layer records, then merged in order on one thread, so the tree is the same
// however the reads were scheduled.
public import Archive
import Dispatch
import Foundation

/// Builds a `Tree` from ordered layers. Typical use:
///
///     let store = try ContentStore(directory: outputDirectory)
///     let assembler = RootfsAssembler(store: store)
///     try assembler.apply([.tar(path: "base.tar.zst"), .directory(path: "overlays/common")])
///     // write assembler.tree, then store.remove()
public final class RootfsAssembler {
    /// The tree being assembled.
    public let tree: Tree
    /// Where decompressed contents go; it must outlive every use of the tree's file contents.
    public let store: ContentStore
    public let limits: RootfsLimits

    /// - Parameters:
    ///   - tree: the tree to merge onto (an empty root directory by default).
    ///   - store: receives the contents of files read from compressed layers.
    ///   - limits: bounds on sizes and counts that untrusted layers may reach.
    public init(tree: Tree = Tree(), store: ContentStore, limits: RootfsLimits = .default) {
        self.tree = tree
        self.store = store
        self.limits = limits
    }

    /// Reads `sources` and merges their layers in order: the default way to assemble a root.
    /// Nothing is merged if any layer fails; the error is that of the first failing layer in order.
    public func apply(_ sources: [LayerSource]) throws {
        for layer in try readLayers(sources) { try merge(layer) }
    }

    /// Reads the layers of `sources` in order, reading up to one layer per processor at a time.
    /// Thread-safe: it touches only the store, never the tree.
    public func readLayers(_ sources: [LayerSource]) throws -> [Layer] {
        let context = LayerReadContext(store: store, limits: limits)
        var jobs: [LayerJob] = []
        for source in sources { jobs += try LayerJob.plan(source, context: context) }
        return try Self.run(jobs, context: context)
    }

    /// Reads the archive behind `reader` as one layer named `label` and merges it, e.g. the
    /// data.tar of a Debian package.
    public func apply(reader: ArchiveReader, label: String) throws {
        try merge(readLayer(reader, label: label))
    }

    /// Reads the archive behind `reader` as one layer named `label`, without merging it. Safe to
    /// call from several threads at once (each with its own reader); merge the results in order.
    /// - Parameter referenceInPlace: reference an uncompressed tar's file data where it lies in the
    ///   reader's file instead of copying it to the store; only for files that stay unchanged
    ///   until the image is written.
    public func readLayer(_ reader: ArchiveReader, label: String, referenceInPlace: Bool = false) throws -> Layer {
        try Layer.read(from: reader, label: label, store: store, limits: limits, referenceInPlace: referenceInPlace)
    }

    /// Runs `jobs` on up to one thread per processor, biggest input first so one large layer does
    /// not start last, and returns their layers in job order.
    static func run(_ jobs: [LayerJob], context: LayerReadContext) throws -> [Layer] {
        let results = Locked([Result<[Layer], any Error>?](repeating: nil, count: jobs.count))
        let order = jobs.indices.sorted { jobs[$0].cost > jobs[$1].cost || (jobs[$0].cost == jobs[$1].cost && $0 < $1) }
        DispatchQueue.concurrentPerform(iterations: jobs.count) { slot in
            let index = order[slot]
            let result = Result { try jobs[index].run(context) }
            results.withLock { $0[index] = result }
        }
        var layers: [Layer] = []
        for result in results.withLock({ $0 }) {
            guard let result else { continue }
            layers += try result.get()
        }
        return layers
    }
}

/// What every layer read needs besides its input.
struct LayerReadContext: Sendable {
    let store: ContentStore
    let limits: RootfsLimits
}

/// One unit of concurrent reading: usually one layer, sometimes all the layers that can only be
/// read one after another (the members of a compressed `docker save` archive).
struct LayerJob: Sendable {
    /// The input's size in bytes, to start the largest reads first.
    var cost: Int64
    var run: @Sendable (LayerReadContext) throws -> [Layer]
}

/// A value behind a lock.
final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
