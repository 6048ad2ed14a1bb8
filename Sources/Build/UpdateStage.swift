// What a root needs to take updates, and the update payload of a build:
//
//   /usr/lib/slipway/update/release       name, architecture and version (the Update module's ReleaseInfo)
//   /usr/lib/slipway/update/trusted.pem   the profile's update.keys, each checked to be an Ed25519 key
//   /usr/lib/slipway/slipway-update       the host tool (apply, status, mark-good, rollback), with
//   /usr/bin/slipway-update               the libraries the root lacks in /usr/lib/slipway/lib
//   /etc/ssl/certs/ca-certificates.crt    built from ca-certificates, when the root has that package
//
// With --signing-key the build also writes NAME.update: the root filesystem image, kernel and initrd
// under a signed manifest (see the Update module's PayloadWriter).
import Boot
import Foundation
import Profile
import Rootfs
import Update
import UpdateKeys

struct UpdateStage {
    let profile: Profile
    let epoch: Int64

    static let toolPath = "/usr/lib/slipway/slipway-update"

    /// Bakes the release, the trusted keys and (given the boot packages' `libraries`) slipway-update
    /// into `tree`.
    func install(into tree: Tree, tool: String?, libraries: Tree?) throws {
        let release = ReleaseInfo(
            name: profile.name.value, architecture: profile.architecture.value.rawValue,
            version: profile.version.value)
        try insertFile(ReleaseInfo.releasePath, release.text, into: tree)
        try CABundle.install(into: tree, timestamp: epoch)
        if let update = profile.update {
            var pem = ""
            for key in update.keys {
                let text: String
                do {
                    text = try String(contentsOfFile: key.value.absolute, encoding: .utf8)
                } catch {
                    throw BuildError(
                        operation: "read update key", path: "\(key.location)",
                        message: "\(key.value.written): \(error.localizedDescription)")
                }
                do {
                    pem += try UpdatePublicKey.parseAll(pem: text, source: key.value.written).map(\.pem).joined()
                } catch {
                    throw BuildError(operation: "trust update key", path: "\(key.location)", message: "\(error)")
                }
            }
            try insertFile(ReleaseInfo.trustedKeysPath, pem, into: tree)
        }
        guard let tool, let libraries else { return }
        let size = try FileManager.default.attributesOfItem(atPath: tool)[.size] as? Int64 ?? 0
        try RootTool.install(
            executable: .file(path: tool, offset: 0, length: size), at: Self.toolPath, into: tree,
            libraries: libraries, timestamp: epoch)
        try tree.insert(
            Node(
                kind: .symlink(target: "../lib/slipway/slipway-update"),
                metadata: Metadata(permissions: 0o777, modificationTime: epoch)),
            at: ["usr", "bin", "slipway-update"], parentMetadata: Metadata(permissions: 0o755, modificationTime: epoch))
    }

    /// The signing key at `path` (`--signing-key`), checked before the build starts.
    static func signingKey(at path: String) throws -> UpdateSigningKey {
        do {
            return try UpdateSigningKey(pemFile: path)
        } catch {
            throw BuildError(operation: "read the signing key", path: "--signing-key", message: "\(error)")
        }
    }

    /// Writes the payload of the built slot to `path`, signed with `key`.
    func writePayload(
        to path: URL, signingKey key: UpdateSigningKey, rootfs: URL, kernel: URL, initrd: URL,
        commandLine: KernelCommandLine
    ) throws -> PayloadManifest {
        let metadata = PayloadWriter.Metadata(
            name: profile.name.value, architecture: profile.architecture.value.rawValue,
            version: profile.version.value, title: profile.description?.value ?? profile.name.value,
            tries: profile.update?.tries.value ?? LoaderEntries.defaultTries, options: commandLine.text)
        return try PayloadWriter.write(
            to: path.path, metadata: metadata, rootImage: rootfs.path, kernel: Array(try Data(contentsOf: kernel)),
            initrd: Array(try Data(contentsOf: initrd)), sign: { [try key.sign($0)] })
    }

    private func insertFile(_ path: String, _ text: String, into tree: Tree) throws {
        try tree.insert(
            Node(
                kind: .regular(.inline(Array(text.utf8))),
                metadata: Metadata(permissions: 0o644, modificationTime: epoch)),
            at: TreePath.components(path), parentMetadata: Metadata(permissions: 0o755, modificationTime: epoch))
    }
}
