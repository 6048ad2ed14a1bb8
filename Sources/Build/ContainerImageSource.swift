// Image archives named by a profile (an `images:` entry's `archive:`, a root `oci:` or
// `docker-archive:` layer): what the build manifest records of each, and the config of an image.
// The Rootfs module tells the archive's form, picks the image and reads its layers and config
// document; what it does not interpret is the config (entrypoint, command, environment...), which
// is decoded here so a rebuilt image keeps it.
import FileHashing
import Foundation
import Profile
import Rootfs

enum ContainerImageSource {
    /// The manifest record of the archive at `path`: its kind, and the SHA-256 of the input (the
    /// archive file, or an OCI layout directory's index.json, which names every other blob by digest).
    static func record(_ path: Profile.HostPath, format: ImageArchive.Format) throws -> Manifest.LayerRecord {
        switch format {
        case .dockerArchive:
            .init(
                kind: "docker-archive", source: path.canonical, digest: try FileHashing.sha256Hex(ofFile: path.absolute)
            )
        case .ociDirectory:
            .init(
                kind: "oci", source: path.canonical,
                digest: try FileHashing.sha256Hex(ofFile: path.absolute + "/index.json"))
        case .ociTar:
            .init(kind: "oci-archive", source: path.canonical, digest: try FileHashing.sha256Hex(ofFile: path.absolute))
        }
    }

    /// The container config held in an image's config document (read from the archive at `path`).
    static func configuration(in document: [UInt8], of path: String) throws -> DockerImageFormat.Configuration {
        do {
            return try JSONDecoder().decode(SourceImage.self, from: Data(document)).config ?? .init()
        } catch {
            throw BuildError(
                operation: "read the image config", path: path,
                message: "the config document is not the JSON an image has: \(error)")
        }
    }

    /// What is kept of a source config: its `config` object.
    private struct SourceImage: Decodable {
        var config: DockerImageFormat.Configuration?
    }
}
