// Images stored as files: a `docker save` archive, an OCI image layout directory, or an OCI layout
// in a tar (`skopeo copy ... oci-archive:`, `docker buildx --output type=oci`). Which one a path
// holds is told here, from its content and never from its name, for every reader of images.
import Archive
import Foundation

/// The forms an image archive takes, and reading one whole (layers and config).
public enum ImageArchive {
    public enum Format: Sendable, Equatable {
        /// A `docker save` tar: it has manifest.json (docker 25 and later also write an OCI index,
        /// which is then not needed).
        case dockerArchive
        /// An OCI image layout directory.
        case ociDirectory
        /// A tar holding an OCI image layout: oci-layout and index.json, no manifest.json.
        case ociTar
    }

    /// What `path` holds. A directory is taken for an OCI layout (whose reader checks for its
    /// oci-layout file); a file is read as an archive and classified by its member names.
    public static func format(of path: String) throws -> Format {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw RootfsError(
                layer: path, rule: .io(operation: "read", path: path, message: "no such file or directory"))
        }
        if isDirectory.boolValue { return .ociDirectory }
        var names: Set<String> = []
        let reader = try archiveStep(path) { try ArchiveReader(path: absolutePath(path), label: path) }
        while let entry = try archiveStep(path, { try reader.next() }) {
            names.insert(try TreePath.validated(entry.path, layer: path).joined(separator: "/"))
        }
        if names.contains("manifest.json") { return .dockerArchive }
        if names.contains("oci-layout") && names.contains("index.json") { return .ociTar }
        throw RootfsError(
            layer: path,
            rule: .layout(
                "it has neither manifest.json (a docker save archive) nor oci-layout and index.json (an OCI image "
                    + "layout); save the image with `docker save` or `skopeo copy ... oci-archive:FILE`"))
    }
}

/// The layers of one image read from an archive, and its config.
public struct ArchivedImage: Sendable {
    public var format: ImageArchive.Format
    /// The image's layers, bottom first, ready for `RootfsAssembler.merge(_:)`.
    public var layers: [Layer]
    /// The image's config document (JSON; its `config` object holds the entrypoint, command,
    /// environment...), as the manifest names it. An OCI config is checked against its digest.
    public var configuration: [UInt8]
}

extension LayerReader {
    /// Reads the image at `path` in whichever form it is (see `ImageArchive.Format`): its layers,
    /// concurrently as `read(_:)` does, and its config. `reference` picks the image as it does for
    /// `LayerSource.ociLayout` and `.dockerArchive`.
    public func readImage(at path: String, reference: String?) throws -> ArchivedImage {
        let format = try ImageArchive.format(of: path)
        let jobs: [LayerJob]
        let configuration: [UInt8]
        switch format {
        case .dockerArchive:
            let image = try DockerArchive.open(path: path, reference: reference, limits: limits)
            jobs = try image.jobs()
            configuration = try image.configuration(limits: limits)
        case .ociDirectory, .ociTar:
            let image = try OCILayout.open(path: path, format: format, reference: reference, reader: self)
            jobs = try image.jobs()
            configuration = try image.configuration(limits: limits)
        }
        return ArchivedImage(format: format, layers: try run(jobs), configuration: configuration)
    }
}
