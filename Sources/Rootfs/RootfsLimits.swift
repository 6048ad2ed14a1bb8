// Bounds on what untrusted layers may make the build allocate or write.

/// Sizes and counts a layer may not exceed. A header is checked against them before anything is
/// allocated or written, and the content store stops at `maximumContentBytes`, so a hostile or
/// broken layer fails with a `RootfsError` instead of filling the disk or the memory.
public struct RootfsLimits: Sendable, Hashable {
    /// The largest regular file (ext4 with 4 KiB blocks allows 16 TiB; images hold far less).
    public var maximumFileSize: Int64
    /// The most bytes all decompressed layers may spill into the content store together. A build
    /// that knows its root partition's size should pass that size here.
    public var maximumContentBytes: Int64
    /// The most entries one layer may hold (each costs memory until the layer is merged).
    public var maximumEntriesPerLayer: Int
    /// The largest JSON document (index.json, a manifest, manifest.json) read from an image.
    public var maximumManifestBytes: Int

    public init(
        maximumFileSize: Int64 = 16 << 30, maximumContentBytes: Int64 = 64 << 30,
        maximumEntriesPerLayer: Int = 2_000_000, maximumManifestBytes: Int = 16 << 20
    ) {
        self.maximumFileSize = maximumFileSize
        self.maximumContentBytes = maximumContentBytes
        self.maximumEntriesPerLayer = maximumEntriesPerLayer
        self.maximumManifestBytes = maximumManifestBytes
    }

    public static let `default` = RootfsLimits()
}
