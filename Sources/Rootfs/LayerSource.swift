// The inputs a root filesystem is assembled from, in the order a profile lists them.

/// Where one or more layers come from. Every source is read with the same merge rules (OCI
/// whiteouts included), so an overlay directory or a tar can delete files of the layers below.
public enum LayerSource: Sendable, Hashable {
    /// A tar file, uncompressed or compressed with gzip, xz, zstd, bzip2 or lz4; the compression
    /// is recognised from the content, not the name. Uncompressed data is referenced in place.
    case tar(path: String)
    /// An OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/...`): a directory, or a tar
    /// holding one (told apart by `ImageArchive.format(of:)`). `reference` selects a manifest by its
    /// `org.opencontainers.image.ref.name` annotation; it may be omitted when the index lists one
    /// manifest. Each layer is a layer of the assembly, in manifest order; every blob's size and
    /// SHA-256 are checked before it is read. An uncompressed tar's blobs are read where they lie;
    /// a compressed tar's are copied into the content store first.
    case ociLayout(path: String, reference: String? = nil)
    /// A `docker save` archive: `manifest.json` lists the layers, which are read from the archive's
    /// members in that order. `reference` ("name:tag") selects an image when the archive holds
    /// several.
    case dockerArchive(path: String, reference: String? = nil)
    /// A host directory (a profile's overlay). Symbolic links are stored as links and never
    /// followed; every node belongs to `uid`:`gid` (root by default), keeps its permission bits and
    /// mtime, and regular files are read from the host only when the image is written.
    case directory(path: String, uid: UInt32 = 0, gid: UInt32 = 0)
    /// Files given in full, as a profile declares them.
    case files([InlineFile])

    /// A short name for progress output and errors.
    public var label: String {
        switch self {
        case .tar(let path): path
        case .ociLayout(let path, let reference): reference.map { "\(path) (\($0))" } ?? path
        case .dockerArchive(let path, let reference): reference.map { "\(path) (\($0))" } ?? path
        case .directory(let path, _, _): path
        case .files(let files): files.count == 1 ? "file \(files[0].path)" : "\(files.count) declared files"
        }
    }
}

/// A regular file declared in full, e.g. in a profile's `files:` list.
public struct InlineFile: Sendable, Hashable {
    /// Where the file goes, relative to the root ("etc/hostname"; a leading "/" is not allowed).
    public var path: String
    public var bytes: [UInt8]
    /// Permission bits, including setuid, setgid and sticky.
    public var permissions: UInt16
    public var uid: UInt32
    public var gid: UInt32
    public var modificationTime: Int64

    public init(
        path: String, bytes: [UInt8], permissions: UInt16 = 0o644, uid: UInt32 = 0, gid: UInt32 = 0,
        modificationTime: Int64 = 0
    ) {
        self.path = path
        self.bytes = bytes
        self.permissions = permissions & 0o7777
        self.uid = uid
        self.gid = gid
        self.modificationTime = modificationTime
    }
}
