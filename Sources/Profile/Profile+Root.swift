// The root filesystem part of the model: layers, what to trim, and the image's size.

extension Profile {
    /// `root:`: the layers that make the root filesystem, merged in order with the OCI whiteout rules.
    public struct Root: Sendable {
        /// `layers`: bottom first.
        public var layers: [Layer]
        /// `remove`: absolute paths or globs (`*`, `?`, `**`) deleted from the merged tree.
        public var remove: [Located<String>]
        /// `size`: the ext4 image's size, or `auto` (content plus `headroom`).
        public var size: Located<SizeSetting>
        /// `headroom`: free space added to the content when `size` is `auto`.
        public var headroom: Located<Headroom>
        /// `read-only`: set the ext4 read-only feature; the running system never writes the root.
        public var readOnly: Located<Bool>
        /// `verity`: append a dm-verity hash tree to the root slot image; the initrd mounts the root
        /// through it, so a changed block is a read error instead of silently different data.
        public var verity: Located<Bool>
        public var location: SourceLocation
    }

    /// One layer of a root filesystem or of an image.
    public struct Layer: Sendable {
        public var source: LayerSource
        /// The layer's entry in the `layers:` list.
        public var location: SourceLocation
        /// The layer's key in the profile, like `root.layers[2]` or `images.hello.layers[0]`, for the
        /// build's problems about what the layer names (a package apt cannot find).
        public var keyPath: String

        public init(source: LayerSource, location: SourceLocation, keyPath: String) {
            self.source = source
            self.location = location
            self.keyPath = keyPath
        }
    }

    /// Where a layer's entries come from. Exactly one per layer.
    public enum LayerSource: Sendable {
        /// `packages: [names]`: Debian packages and their dependencies; `name` or `name=version`.
        case packages([Located<String>])
        /// `tar: path`: a tar file, plain or gzip/xz/zstd compressed.
        case tar(Located<HostPath>)
        /// `oci: path` (+ `ref`): the layers of an image in an OCI image layout (a directory or a tar), in order.
        case oci(Located<HostPath>, ref: Located<String>?)
        /// `docker-archive: path` (+ `ref`): the layers of an image in a `docker save` archive.
        case dockerArchive(Located<HostPath>, ref: Located<String>?)
        /// `overlay: dir` (+ `owner`): a directory tree copied in; owned by root unless `owner` says otherwise.
        case overlay(Located<HostPath>, owner: Located<Owner>?)
        /// `files: [...]`: files declared in the profile.
        case files([FileEntry])
        /// `symlinks: [...]`: symbolic links declared in the profile.
        case symlinks([Symlink])
        /// `directories: [...]`: directories declared in the profile (mount points, state dirs).
        case directories([Directory])

        /// The key that declares this kind of layer.
        public var kind: String {
            switch self {
            case .packages: "packages"
            case .tar: "tar"
            case .oci: "oci"
            case .dockerArchive: "docker-archive"
            case .overlay: "overlay"
            case .files: "files"
            case .symlinks: "symlinks"
            case .directories: "directories"
            }
        }
    }

    /// A numeric owner, `uid:gid`.
    public struct Owner: Sendable, Hashable, CustomStringConvertible {
        public var uid: UInt32
        public var gid: UInt32
        public init(uid: UInt32, gid: UInt32) {
            self.uid = uid
            self.gid = gid
        }
        public static let root = Owner(uid: 0, gid: 0)
        public var description: String { "\(uid):\(gid)" }
    }

    /// A regular file declared in a profile.
    public struct FileEntry: Sendable {
        /// `path`: absolute path inside the image.
        public var path: Located<String>
        /// `content` (text) or `source` (a host file).
        public var content: Located<FileContentSource>
        /// `mode`: permission bits, written in octal; default 0644.
        public var mode: Located<UInt16>
        /// `owner`: default 0:0.
        public var owner: Located<Owner>
        public var location: SourceLocation
    }

    /// Where a declared file's bytes come from.
    public enum FileContentSource: Sendable, Hashable {
        /// `content:` text, stored as UTF-8.
        case text(String)
        /// `source:` a file on the build host.
        case source(HostPath)
    }

    /// A symbolic link declared in a profile.
    public struct Symlink: Sendable {
        /// `path`: absolute path of the link inside the image.
        public var path: Located<String>
        /// `target`: the link's target, absolute or relative, stored as written.
        public var target: Located<String>
        /// `owner`: default 0:0.
        public var owner: Located<Owner>
        public var location: SourceLocation
    }

    /// A directory declared in a profile.
    public struct Directory: Sendable {
        /// `path`: absolute path inside the image.
        public var path: Located<String>
        /// `mode`: default 0755.
        public var mode: Located<UInt16>
        /// `owner`: default 0:0.
        public var owner: Located<Owner>
        public var location: SourceLocation
    }
}
