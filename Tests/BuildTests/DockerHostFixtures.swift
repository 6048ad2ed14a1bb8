import Foundation
import Packages
import Profile
import Rootfs
import TestSupport

@testable import Build

/// Fixtures for the container image, unit and docker-host stage tests: profiles written into a
/// fresh directory, image builders that never reach apt (their images use no `packages:` layer),
/// and small trees of unit files.
enum DockerHostFixtures {
    static let epoch: Int64 = 1_700_000_000

    /// Writes `yaml` as `profile.yaml` in `directory` (after a root that needs no packages) and loads it.
    static func profile(_ yaml: String, in directory: TemporaryDirectory) throws -> Profile {
        let path = directory.file("profile.yaml")
        let text = """
            name: test
            root:
              layers:
                - directories: [{ path: /etc }]

            """ + yaml
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        do {
            return try Profile.load(path: path)
        } catch {
            throw FixtureError("profile does not load: \(error)\n\(text)")
        }
    }

    /// An image builder writing into `directory`; its apt has a private, empty cache.
    static func builder(in directory: TemporaryDirectory, epoch: Int64 = epoch) throws -> (
        ContainerImageBuilder, ContentStore
    ) {
        let store = try ContentStore(directory: directory.path)
        let apt = Apt(cache: PackageCache(directory: directory.file("cache")))
        let builder = try ContainerImageBuilder(
            apt: apt, store: store, progress: SilentProgress(), epoch: epoch, workDirectory: directory.path)
        return (builder, store)
    }

    /// A tree holding `files` (absolute path → text) and `links` (absolute path → target).
    static func tree(files: [String: String], links: [String: String] = [:]) throws -> Tree {
        let tree = Tree()
        for (path, text) in files {
            let node = Node(kind: .regular(.inline(Array(text.utf8))), metadata: Metadata(permissions: 0o644))
            try tree.insert(node, at: TreePath.components(path))
        }
        for (path, target) in links {
            let node = Node(kind: .symlink(target: target), metadata: Metadata(permissions: 0o777))
            try tree.insert(node, at: TreePath.components(path))
        }
        return tree
    }

    /// Every symlink under /etc/systemd/system, as "path -> target", sorted.
    static func enablement(_ tree: Tree) -> [String] {
        var links: [String] = []
        tree.walk { path, node in
            if path.hasPrefix("/etc/systemd/system/"), case .symlink(let target) = node.kind {
                links.append("\(path) -> \(target)")
            }
        }
        return links.sorted()
    }

    /// The text of the regular file at `path` in `tree`, or nil.
    static func text(_ tree: Tree, _ path: String) -> String? {
        guard let node = tree.node(at: path), case .regular(let content) = node.kind,
            let bytes = try? content.readBytes()
        else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Unpacks the tar at `archive` into a new directory `name` of `directory` with tar(1).
    static func unpack(_ archive: String, into directory: TemporaryDirectory, as name: String) throws -> String {
        let target = directory.file(name)
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        let result = try runTool(["tar", "-xf", archive, "-C", target])
        guard result.status == 0 else { throw FixtureError("tar -xf \(archive): \(result.stderr)") }
        return target
    }

    /// The lower-case hex SHA-256 of the file at `path`, from sha256sum(1).
    static func sha256sum(_ path: String) throws -> String {
        let result = try runTool(["sha256sum", path])
        guard result.status == 0, let hex = result.stdout.split(separator: " ").first else {
            throw FixtureError("sha256sum \(path): \(result.stderr)")
        }
        return String(hex)
    }

    /// The JSON object in `data`, parsed with Foundation's JSONSerialization (not our Codable types).
    static func json(_ data: Data) throws -> Any {
        try JSONSerialization.jsonObject(with: data)
    }

    /// Writes the directories, regular files and symlinks of `tree` under `directory` (modes kept,
    /// owners not), for tools that read a root from disk.
    static func materialize(_ tree: Tree, into directory: String) throws {
        try tree.walk { path, node in
            let host = directory + path
            switch node.kind {
            case .directory:
                try FileManager.default.createDirectory(atPath: host, withIntermediateDirectories: true)
            case .regular(let content):
                try Data(try content.readBytes()).write(to: URL(fileURLWithPath: host))
                try FileManager.default.setAttributes(
                    [.posixPermissions: Int(node.metadata.permissions)], ofItemAtPath: host)
            case .symlink(let target):
                try FileManager.default.createSymbolicLink(atPath: host, withDestinationPath: target)
            default:
                break
            }
        }
    }
}
