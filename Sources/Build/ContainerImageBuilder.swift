import Archive
// Container images for the Docker daemons: the images of a profile's `system:` containers and its
// `images:` preloads become `docker save` archives that ship in the root, so the daemons load them
// on boot and booting needs no registry.
//
// A built image has one layer. Its layers (packages, overlays, files, symlinks, directories, or the
// layers of an existing archive) are merged into one tree by the same code that merges the root, and
// that tree is written as one tar: the merge already applied every whiteout, so nothing is lost, and
// one layer is the cheapest for `docker load` to unpack on a slow first boot.
import FileHashing
import Foundation
import Hashing
import Packages
import Profile
import Rootfs
import TemporaryFiles

#if canImport(Glibc)
    import Glibc
#endif

/// A `docker load` archive written for one image.
struct ContainerImageArchive: Sendable {
    /// The tag the archive gives the image (`slipway-system/syslog:latest`, `hello:latest`).
    var repoTag: String
    /// The archive file, in the builder's work directory until the builder is removed.
    var path: String
    var size: Int64
    /// Hex SHA-256 of the archive file.
    var sha256: String
    /// The image ID docker reports: `sha256:` and the SHA-256 of the config JSON.
    var imageID: String
    /// `sha256:` and the SHA-256 of the layer tar: the config's only diff_id.
    var diffID: String
    /// What went into the image, for the build manifest.
    var layers: [Manifest.LayerRecord]
    var packages: [Manifest.PackageRecord]

    /// The archive as the content of a file in a tree.
    var content: FileContent { .file(path: path, offset: 0, length: size) }
}

/// Builds images into `docker save` archives, one file each, in a scratch directory it owns.
///
/// ```swift
/// let images = try ContainerImageBuilder(apt: apt, store: store, progress: progress,
///                                        epoch: epoch, workDirectory: outputDirectory)
/// defer { images.remove() }          // after the root filesystem that holds the archives is written
/// let archive = try images.build(container.image, reference: "slipway-system/syslog")
/// ```
///
/// Same inputs and epoch give the same archive bytes: file times are clamped to `epoch`, the config's
/// `created` is `epoch`, member order and JSON key order are fixed, and nothing of the build machine
/// (user names, inode numbers, the time of the build) is written.
final class ContainerImageBuilder {
    let apt: Apt
    let store: ContentStore
    let progress: any ProgressReporter
    /// SOURCE_DATE_EPOCH of the build: every time in an image is at most this.
    let epoch: Int64
    /// `.slipway-images-XXXXXX` in the work directory given to `init`.
    let directory: String
    private var built = 0
    private var removed = false

    /// Creates the scratch directory in `workDirectory` (the output directory, so archives are
    /// written on the disk the image goes to).
    init(apt: Apt, store: ContentStore, progress: any ProgressReporter, epoch: Int64, workDirectory: String) throws {
        self.apt = apt
        self.store = store
        self.progress = progress
        self.epoch = epoch
        var template = Array((workDirectory + "/\(TemporaryNames.images)XXXXXX").utf8CString)
        var made = false
        // Registered as it is made, so that an interrupted build removes it.
        let path = TemporaryRegistry.shared.create {
            made = template.withUnsafeMutableBufferPointer { $0.baseAddress.flatMap { mkdtemp($0) } } != nil
            return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        guard made else {
            let message = String(cString: strerror(errno))
            TemporaryRegistry.shared.unregister(path)
            throw BuildError(
                operation: "create a scratch directory for container images", path: workDirectory, message: message)
        }
        directory = path
    }

    deinit { remove() }

    /// Deletes the scratch directory and every archive in it. Call it once the root filesystem that
    /// references the archives has been written.
    func remove() {
        guard !removed else { return }
        removed = true
        try? FileManager.default.removeItem(atPath: directory)
        TemporaryRegistry.shared.unregister(directory)
    }

    /// Builds `image` into a `docker save` archive that tags it `reference` (`:latest` added when
    /// the reference has no tag).
    func build(_ image: Profile.Image, reference: String) throws -> ContainerImageArchive {
        let repoTag = try DockerImageFormat.repoTag(reference)
        built += 1
        let stem = directory + "/\(built)"
        let assembled = try assemble(image, label: repoTag)
        assembled.tree.clampModificationTimes(to: epoch)

        progress.phase("write image \(repoTag)")
        let layerPath = stem + ".layer.tar"
        let layer = try LayerTarWriter.write(assembled.tree, to: layerPath, label: "layer of \(repoTag)")
        let created = DockerImageFormat.timestamp(epoch)
        let description = assembled.layers.map { "\($0.kind) \($0.source)" }.joined(separator: "; ")
        let config = DockerImageFormat.Image(
            architecture: "amd64", os: "linux", created: created, config: assembled.configuration,
            rootfs: .init(type: "layers", diffIDs: ["sha256:" + layer.sha256]),
            history: [.init(created: created, createdBy: "slipway: " + description)])
        let configBytes = try DockerImageFormat.encode(config)
        let imageHex = SHA256.hexDigest(configBytes)
        let manifest = [
            DockerImageFormat.ManifestEntry(
                config: imageHex + ".json", repoTags: [repoTag], layers: [layer.sha256 + "/layer.tar"])
        ]

        let archivePath = stem + ".tar"
        let writer = try ArchiveWriter(path: archivePath, format: .paxTar)
        try writer.write(member(layer.sha256, type: .directory, mode: 0o755))
        try writer.write(member(layer.sha256 + "/layer.tar"), contentsOf: layerPath)
        try writer.write(member(imageHex + ".json"), bytes: configBytes)
        try writer.write(member("manifest.json"), bytes: try DockerImageFormat.encode(manifest))
        try writer.close()
        try? FileManager.default.removeItem(atPath: layerPath)
        let size = try LayerTarWriter.fileSize(archivePath, label: "image archive of \(repoTag)")
        progress.finish("\(size >> 10) KiB")
        return ContainerImageArchive(
            repoTag: repoTag, path: archivePath, size: size, sha256: try FileHashing.sha256Hex(ofFile: archivePath),
            imageID: "sha256:" + imageHex, diffID: "sha256:" + layer.sha256, layers: assembled.layers,
            packages: assembled.packages)
    }

    private func member(_ path: String, type: EntryType = .regular, mode: UInt16 = 0o644) -> ArchiveEntry {
        ArchiveEntry(path: path, type: type, permissions: mode, modificationTime: epoch)
    }

    /// The tree, config and records of an image.
    private struct Assembled {
        var tree: Tree
        var configuration: DockerImageFormat.Configuration
        var layers: [Manifest.LayerRecord]
        var packages: [Manifest.PackageRecord]
    }

    private func assemble(_ image: Profile.Image, label: String) throws -> Assembled {
        switch image.source {
        case .layers(let layers):
            let root = try RootfsStage(apt: apt, store: store, progress: progress).assemble(layers, label: label)
            return Assembled(
                tree: root.tree, configuration: configuration(of: image), layers: root.layers,
                packages: root.packages)
        case .archive(let path, let reference):
            // Any form of image archive; the Rootfs module tells which and picks the image.
            let assembler = RootfsAssembler(store: store)
            let read = try assembler.layerReader.readImage(at: path.value.absolute, reference: reference?.value)
            for layer in read.layers { try assembler.merge(layer) }
            return Assembled(
                tree: assembler.tree,
                configuration: try ContainerImageSource.configuration(in: read.configuration, of: path.value.absolute),
                layers: [try ContainerImageSource.record(path.value, format: read.format)], packages: [])
        }
    }

    /// The config of an image built from layers, from the profile's keys.
    private func configuration(of image: Profile.Image) -> DockerImageFormat.Configuration {
        var configuration = DockerImageFormat.Configuration()
        configuration.entrypoint = image.entrypoint?.map(\.value)
        configuration.cmd = image.cmd?.map(\.value)
        configuration.env = image.env.isEmpty ? nil : image.env.map { "\($0.name.value)=\($0.value.value)" }
        configuration.workingDir = image.workingDir?.value
        configuration.user = image.user?.value
        return configuration
    }
}
