// NAME.manifest.json: what went into an image, so users can audit it (an SBOM) and so two builds
// can be compared. Keys are sorted and the file is written atomically with the other outputs.
public import Foundation

/// The build's record of its inputs and outputs.
public struct Manifest: Codable, Sendable, Equatable {
    public struct ProfileRecord: Codable, Sendable, Equatable {
        public var name: String
        public var path: String
        /// SHA-256 of the resolved, canonical profile.
        public var digest: String
    }

    public struct LayerRecord: Codable, Sendable, Equatable {
        /// packages, tar, oci (a layout directory), oci-archive (a layout in a tar), docker-archive,
        /// overlay, files, symlinks, directories
        public var kind: String
        /// Where it came from: a path, or for packages the package names.
        public var source: String
        /// SHA-256 of the layer's input (the archive file, the .deb, or a digest of a directory's listing and contents).
        public var digest: String
    }

    public struct PackageRecord: Codable, Sendable, Equatable {
        public var name: String
        public var version: String
        public var architecture: String
        public var sha256: String
        public var size: Int64
        public var source: String
        /// Maintainer scripts the package has, which the build does not run (see docs/packages.md).
        public var maintainerScripts: [String]
    }

    /// A container image shipped in the root for the system or the user daemon.
    public struct ImageRecord: Codable, Sendable, Equatable {
        /// "system" or "user".
        public var daemon: String
        public var name: String
        public var repoTag: String
        /// Where the `docker save` archive is in the root.
        public var path: String
        public var sha256: String
        public var imageID: String
        public var layers: [LayerRecord]
        public var packages: [PackageRecord]
    }

    public struct OutputRecord: Codable, Sendable, Equatable {
        public var file: String
        public var size: Int64
        /// SHA-256 of the file, every output's (the disk images' too: their holes are not read).
        /// Optional so that manifests of earlier builds, which left the disk images out, still decode.
        public var sha256: String?
    }

    public var tool: String
    public var profile: ProfileRecord
    /// The platform the image was built for (`firstboot.platform` or `--platform`): "qemu", "aws", ...
    public var platform: String
    public var sourceDateEpoch: Int64
    public var layers: [LayerRecord]
    public var packages: [PackageRecord]
    /// Packages the kernel, the initrd and the ESP were made from (not part of the root).
    public var bootPackages: [PackageRecord]
    /// Container images in the root, loaded by the daemons at boot.
    public var images: [ImageRecord]
    /// Output role ("rootfs", "image", "kernel", "initrd", "update", and the `disk.format` file as
    /// "qcow2", "vmdk", "vhd" or "gce") → file record.
    public var outputs: [String: OutputRecord]
    /// The root slot's dm-verity tree (root.verity), as slot A's command line names it; absent
    /// without verity.
    public var verity: VerityRecord?

    /// A dm-verity tree after the root filesystem: hex root hash and salt, the data blocks it
    /// covers (4096 bytes each, the tree starting after them) and the tree's size in bytes.
    public struct VerityRecord: Codable, Sendable, Equatable {
        public var rootHash: String
        public var salt: String
        public var dataBlocks: UInt64
        public var treeSize: UInt64
    }

    /// Stable JSON: sorted keys, pretty-printed, no escaped slashes.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
