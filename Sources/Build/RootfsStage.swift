// Stage one of a build: the profile's `root:` section becomes a merged tree. Each profile layer is
// read (concurrently inside the layer: all the .debs of a `packages:` layer, all the layers of an
// OCI image) and merged in profile order, then the tree is trimmed, stamped and clamped.
import FileHashing
import Foundation
import Hashing
import Packages
import Profile
import Rootfs

/// What the root filesystem stage produced.
struct AssembledRoot {
    var tree: Tree
    var layers: [Manifest.LayerRecord]
    var packages: [Manifest.PackageRecord]
    /// The newest modification time in the archive layers (packages, tar, OCI, docker-archive):
    /// the build's SOURCE_DATE_EPOCH when the environment sets none. Host directories are left
    /// out because a checkout gives its files the time of the checkout.
    var newestArchiveTime: Int64?
}

extension AssembledRoot {
    mutating func noteArchiveTime(_ time: Int64?) {
        guard let time else { return }
        newestArchiveTime = max(newestArchiveTime ?? time, time)
    }
}

/// Assembles the tree of a profile's root (or an image's layers, for container images).
struct RootfsStage {
    let apt: Apt
    let store: ContentStore
    let progress: any ProgressReporter

    /// Reads and merges `layers` in order onto a fresh tree.
    func assemble(_ layers: [Profile.Layer], label: String) throws -> AssembledRoot {
        let assembler = RootfsAssembler(store: store)
        var result = AssembledRoot(tree: assembler.tree, layers: [], packages: [])
        /// Reads archive sources concurrently, merges them in order and notes their newest time.
        func mergeArchives(_ sources: [LayerSource]) throws {
            for read in try assembler.layerReader.read(sources) {
                try assembler.merge(read)
                result.noteArchiveTime(read.newestModificationTime)
            }
        }
        /// Shows a host-file layer's reading as a progress phase (a large image can take a while).
        func reading(_ kind: String, _ path: Profile.HostPath, _ body: () throws -> Void) throws {
            progress.phase("\(kind) \(path.written)")
            try body()
            progress.finish("merged")
        }
        for layer in layers {
            switch layer.source {
            case .packages(let names):
                let packages = try mergePackages(names.map(\.value), into: assembler) {
                    result.noteArchiveTime($0)
                } resolveFailed: { error in
                    PackageProblems.atEntry(error, names: names, layer: layer)
                }
                result.packages += packages
                result.layers.append(
                    Manifest.LayerRecord(
                        kind: "packages", source: names.map(\.value).joined(separator: " "),
                        digest: SHA256.hexDigest(Array(packages.map { "\($0.name) \($0.sha256)\n" }.joined().utf8))))
            case .tar(let path):
                try reading("tar", path.value) { try mergeArchives([.tar(path: path.value.absolute)]) }
                result.layers.append(
                    try record("tar", path.value, digest: FileHashing.sha256Hex(ofFile: path.value.absolute)))
            case .oci(let path, let reference):
                // A directory or a tar: Rootfs tells which, here for the record as in the reading.
                try reading("oci", path.value) {
                    try mergeArchives([.ociLayout(path: path.value.absolute, reference: reference?.value)])
                }
                result.layers.append(
                    try ContainerImageSource.record(path.value, format: ImageArchive.format(of: path.value.absolute)))
            case .dockerArchive(let path, let reference):
                try reading("docker-archive", path.value) {
                    try mergeArchives([.dockerArchive(path: path.value.absolute, reference: reference?.value)])
                }
                result.layers.append(try ContainerImageSource.record(path.value, format: .dockerArchive))
            case .overlay(let path, let owner):
                let owner = owner?.value ?? .root
                try reading("overlay", path.value) {
                    try assembler.apply([.directory(path: path.value.absolute, uid: owner.uid, gid: owner.gid)])
                }
                result.layers.append(
                    try record("overlay", path.value, digest: DirectoryDigest.of(path.value.absolute)))
            case .files(let files):
                let inline = try files.map(inlineFile)
                try assembler.apply([.files(inline)])
                let listing = inline.map {
                    "\($0.path) \($0.permissions) \($0.uid):\($0.gid) \(SHA256.hexDigest($0.bytes))\n"
                }
                result.layers.append(
                    Manifest.LayerRecord(
                        kind: "files", source: files.map(\.path.value).joined(separator: " "),
                        digest: SHA256.hexDigest(Array(listing.joined().utf8))))
            case .symlinks(let links):
                try DeclaredEntries.addSymlinks(links, to: assembler.tree, at: layer.location.description)
                result.layers.append(
                    Manifest.LayerRecord(
                        kind: "symlinks", source: links.map(\.path.value).joined(separator: " "),
                        digest: SHA256.hexDigest(
                            Array(links.map { "\($0.path.value) \($0.target.value)\n" }.joined().utf8))))
            case .directories(let directories):
                try DeclaredEntries.addDirectories(directories, to: assembler.tree, at: layer.location.description)
                result.layers.append(
                    Manifest.LayerRecord(
                        kind: "directories", source: directories.map(\.path.value).joined(separator: " "),
                        digest: SHA256.hexDigest(
                            Array(
                                directories.map { "\($0.path.value) \($0.mode.value) \($0.owner.value)\n" }.joined()
                                    .utf8))))
            }
        }
        return result
    }

    /// Resolves, fetches and merges the closure of `names`; returns one record per package.
    /// `resolveFailed` turns apt's failure to resolve into the error to throw (one that points at
    /// the profile entry that named the package).
    private func mergePackages(
        _ names: [String], into assembler: RootfsAssembler, noteTime: (Int64?) -> Void,
        resolveFailed: (PackagesError) -> any Error = { $0 }
    ) throws -> [Manifest.PackageRecord] {
        progress.phase("resolve packages")
        let resolved: [ResolvedPackage]
        do {
            resolved = try apt.resolve(names)
        } catch let error as PackagesError {
            throw resolveFailed(error)
        }
        progress.finish("\(resolved.count) packages")
        progress.phase("fetch packages")
        let cached = try apt.fetch(resolved) { step in
            progress.advance(step.package, done: step.completed, total: step.total)
        }
        progress.finish("\(cached.count) packages")
        progress.phase("unpack packages")
        let debs = try cached.map { try DebianPackage(cached: $0) }
        let reader = assembler.layerReader
        let layers = try ConcurrentMap.run(debs) { (deb: DebianPackage) -> Layer in
            try reader.read(try deb.dataArchive(), label: deb.label)
        }
        for (index, layer) in layers.enumerated() {
            progress.advance(debs[index].name, done: index + 1, total: layers.count)
            try assembler.merge(layer)
            noteTime(layer.newestModificationTime)
        }
        progress.finish("\(layers.count) packages merged")
        return zip(cached, debs).map { cached, deb in
            Manifest.PackageRecord(
                name: cached.package.name, version: cached.package.version,
                architecture: cached.package.architecture, sha256: cached.package.sha256, size: cached.package.size,
                source: cached.package.uri, maintainerScripts: deb.maintainerScripts)
        }
    }

    private func inlineFile(_ file: Profile.FileEntry) throws -> InlineFile {
        let bytes: [UInt8]
        switch file.content.value {
        case .text(let text): bytes = Array(text.utf8)
        case .source(let host):
            guard let data = FileManager.default.contents(atPath: host.absolute) else {
                throw BuildError(
                    operation: "read the source of \(file.path.value)", path: host.written,
                    message: "cannot read the file (declared at \(file.location))")
            }
            bytes = Array(data)
        }
        return InlineFile(
            path: String(file.path.value.drop { $0 == "/" }), bytes: bytes, permissions: file.mode.value,
            uid: file.owner.value.uid, gid: file.owner.value.gid)
    }

    private func record(_ kind: String, _ path: Profile.HostPath, digest: String) throws -> Manifest.LayerRecord {
        Manifest.LayerRecord(kind: kind, source: path.canonical, digest: digest)
    }
}

extension RootfsStage {
    /// A tree of just these packages and their dependencies (the boot tree: libraries for the
    /// initrd, busybox, systemd-boot).
    func assemblePackages(_ names: [String]) throws -> AssembledRoot {
        let assembler = RootfsAssembler(store: store)
        var result = AssembledRoot(tree: assembler.tree, layers: [], packages: [])
        result.packages = try mergePackages(names, into: assembler) { result.noteArchiveTime($0) }
        return result
    }
}
