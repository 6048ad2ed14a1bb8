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
    /// Layers are read concurrently (see `LayerReader.read(_:)`); if any read fails, nothing is
    /// merged and the error is that of the first failing layer in order. If a merge fails (an entry
    /// breaks a rule against the layers below), the tree keeps what was merged before: discard it.
    public func apply(_ sources: [LayerSource]) throws {
        for layer in try readLayers(sources) { try merge(layer) }
    }

    /// Reads the layers of `sources` in order without merging them (see `LayerReader.read(_:)`).
    public func readLayers(_ sources: [LayerSource]) throws -> [Layer] {
        try layerReader.read(sources)
    }

    /// Reads the archive behind `reader` as one layer named `label` and merges it, e.g. the
    /// data.tar of a Debian package.
    public func apply(reader: ArchiveReader, label: String) throws {
        try merge(readLayer(reader, label: label))
    }

    /// Reads the archive behind `reader` as one layer without merging it (see
    /// `LayerReader.read(_:label:referenceInPlace:)`).
    public func readLayer(_ reader: ArchiveReader, label: String, referenceInPlace: Bool = false) throws -> Layer {
        try layerReader.read(reader, label: label, referenceInPlace: referenceInPlace)
    }

    /// A reader of layers into this assembler's store, with its limits. It is `Sendable`: tasks
    /// can read layers with it concurrently and hand the layers back for `merge(_:)` in order.
    public var layerReader: LayerReader { LayerReader(store: store, limits: limits) }
}

/// Reads layers into a content store without touching any tree: the slow half of assembly
/// (decompression, hashing), which may run on several threads at once.
public struct LayerReader: Sendable {
    public let store: ContentStore
    public let limits: RootfsLimits

    public init(store: ContentStore, limits: RootfsLimits = .default) {
        self.store = store
        self.limits = limits
    }

    /// Reads the layers of `sources`, in order, reading up to one layer per processor at a time
    /// (largest input first). Manifests are read first, on the calling thread, which then waits.
    /// If any layer fails, the error is that of the first failing layer in order.
    public func read(_ sources: [LayerSource]) throws -> [Layer] {
        var jobs: [LayerJob] = []
        for source in sources { jobs += try LayerJob.plan(source, reader: self) }
        return try run(jobs)
    }

    /// Reads the archive behind `reader` as one layer named `label`. Call it from any thread,
    /// each with its own `ArchiveReader`.
    /// - Parameter referenceInPlace: reference an uncompressed tar's file data where it lies in the
    ///   reader's file instead of copying it to the store; only for files that stay unchanged
    ///   until the image is written, never for temporary files.
    public func read(_ reader: ArchiveReader, label: String, referenceInPlace: Bool = false) throws -> Layer {
        try Layer.read(from: reader, label: label, store: store, limits: limits, referenceInPlace: referenceInPlace)
    }

    /// Runs `jobs` on up to one thread per processor, biggest input first so one large layer does
    /// not start last, and returns their layers in job order.
    func run(_ jobs: [LayerJob]) throws -> [Layer] {
        let results = Locked([Result<[Layer], any Error>?](repeating: nil, count: jobs.count))
        let order = jobs.indices.sorted { jobs[$0].cost > jobs[$1].cost || (jobs[$0].cost == jobs[$1].cost && $0 < $1) }
        DispatchQueue.concurrentPerform(iterations: jobs.count) { slot in
            let index = order[slot]
            let result = Result { try jobs[index].run(self) }
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

/// One unit of concurrent reading: usually one layer, sometimes all the layers that can only be
/// read one after another (the members of a compressed `docker save` archive).
struct LayerJob: Sendable {
    /// The input's size in bytes, to start the largest reads first.
    var cost: Int64
    var run: @Sendable (LayerReader) throws -> [Layer]
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
