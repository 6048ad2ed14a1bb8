// The `docker save` archive layout that `docker load` reads (Docker image specification v1.2 for the
// config; the archive layout is Docker's own "manifest.json" format, which docker 1.10 and later
// write and read):
//
//   <diff-id hex>/layer.tar     one uncompressed layer tar per layer, bottom first
//   <image-id hex>.json         the image config: rootfs.diff_ids, config.{Entrypoint,Cmd,Env,...}
//   manifest.json               [{"Config": "<image-id hex>.json", "RepoTags": ["name:tag"],
//                                 "Layers": ["<diff-id hex>/layer.tar"]}]
//
// `docker load` checks every layer tar's SHA-256 against the config's diff_ids, and the image ID is
// the SHA-256 of the config file's bytes. Everything here is encoded with sorted keys and no
// build-machine data, so the same inputs give the same bytes.
import Foundation

enum DockerImageFormat {
    /// One entry of manifest.json.
    struct ManifestEntry: Codable, Equatable {
        var config: String
        var repoTags: [String]
        var layers: [String]

        enum CodingKeys: String, CodingKey {
            case config = "Config"
            case repoTags = "RepoTags"
            case layers = "Layers"
        }
    }

    /// The image config (image spec v1.2 "Image JSON Description").
    struct Image: Codable, Equatable {
        var architecture: String
        var os: String
        /// RFC 3339, UTC: the build's SOURCE_DATE_EPOCH.
        var created: String
        var config: Configuration
        var rootfs: RootFS
        var history: [History]
    }

    /// The defaults a container of the image runs with. Field names are the spec's (capitalized).
    struct Configuration: Codable, Equatable {
        var entrypoint: [String]?
        var cmd: [String]?
        /// `NAME=value`, in the order given.
        var env: [String]?
        var workingDir: String?
        var user: String?
        var exposedPorts: [String: EmptyObject]?
        var volumes: [String: EmptyObject]?
        var labels: [String: String]?
        var stopSignal: String?

        enum CodingKeys: String, CodingKey {
            case entrypoint = "Entrypoint"
            case cmd = "Cmd"
            case env = "Env"
            case workingDir = "WorkingDir"
            case user = "User"
            case exposedPorts = "ExposedPorts"
            case volumes = "Volumes"
            case labels = "Labels"
            case stopSignal = "StopSignal"
        }
    }

    /// `{}`: the value type of the spec's sets (ExposedPorts, Volumes).
    struct EmptyObject: Codable, Equatable {}

    struct RootFS: Codable, Equatable {
        var type: String
        /// `sha256:<hex>` of each uncompressed layer tar, bottom first.
        var diffIDs: [String]

        enum CodingKeys: String, CodingKey {
            case type
            case diffIDs = "diff_ids"
        }
    }

    struct History: Codable, Equatable {
        var created: String
        var createdBy: String

        enum CodingKeys: String, CodingKey {
            case created
            case createdBy = "created_by"
        }
    }

    /// Stable JSON: sorted keys, no escaped slashes, no whitespace.
    static func encode<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    /// `seconds` since the epoch as RFC 3339 in UTC (`2023-04-01T12:00:00Z`).
    static func timestamp(_ seconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// The tag `docker load` gives the image: `reference` with `:latest` added when it has no tag.
    /// Digest references cannot be tags.
    static func repoTag(_ reference: String) throws -> String {
        guard !reference.isEmpty, !reference.contains("@"), !reference.contains(where: \.isWhitespace) else {
            throw BuildError(
                operation: "tag an image", path: reference,
                message: "\"\(reference)\" is not a name[:tag] reference (digests cannot be tags)")
        }
        let lastComponent = reference.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
        return lastComponent.contains(":") ? reference : reference + ":latest"
    }
}
