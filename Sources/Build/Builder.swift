import Ext4
import FileHashing
// The build pipeline: profile → layers → tree → ext4 → (disk) → outputs, staged and renamed into
// place together at the end.
public import Foundation
import Hashing
import Packages
import Profile
import RegistryCache
import Rootfs
import UpdateKeys

/// What to build and where.
public struct BuildRequest: Sendable {
    public var profilePath: String
    public var outputDirectory: String
    /// Where verified .debs and apt's private state live (`PackageCache.defaultDirectory` if nil).
    public var cacheDirectory: String?
    /// Every timestamp is clamped to this; nil takes `SOURCE_DATE_EPOCH` from the environment, else
    /// the newest time found in the archive layers.
    public var sourceDateEpoch: Int64?
    /// The `slipway-initrd` executable to put in the initrd; nil takes the one beside this program.
    public var initrdExecutable: String?
    /// Build only the root filesystem image and the manifest (no kernel, initrd or disk).
    public var rootfsOnly = false
    /// Overrides the profile's `disk.format` (`Profile.ImageFormat`: "raw", "qcow2", "vmdk", "vhd", "gce").
    public var format: String?
    /// Overrides the profile's `firstboot.platform` (`Profile.Platform`: "qemu", "aws", "gce", ...).
    public var platform: String?
    /// An update signing key (PEM): the build also writes NAME.update, signed with it.
    public var signingKey: String?
    /// A Secure Boot key and certificate (PEM): slot A boots a unified kernel image, and it and
    /// systemd-boot are signed with them.
    public var secureBootKey: String?
    public var secureBootCertificate: String?
    /// The `slipway-update` executable to install into the root; nil takes the one beside this program.
    public var updateExecutable: String?
    /// REGISTRY/REPO of the shared build cache (`--cache-registry`); nil takes `$SLIPWAY_CACHE_REGISTRY`.
    public var cacheRegistry: String?
    /// Receives the shared cache's notices and summary line (standard error unless set).
    public var cacheNotice: @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    public init(
        profilePath: String, outputDirectory: String, cacheDirectory: String? = nil, sourceDateEpoch: Int64? = nil,
        initrdExecutable: String? = nil
    ) {
        self.profilePath = profilePath
        self.outputDirectory = outputDirectory
        self.cacheDirectory = cacheDirectory
        self.sourceDateEpoch = sourceDateEpoch
        self.initrdExecutable = initrdExecutable
    }
}

/// What a build wrote (the `--json` result).
public struct BuildResult: Codable, Sendable {
    public var profile: String
    public var manifest: String
    /// NAME.spdx.json, the SPDX 2.3 SBOM (docs/manifest.md).
    public var sbom: String
    /// Output role ("rootfs", "image", ...) → path.
    public var outputs: [String: String]
    public var rootfs: RootfsSummary
    public var packages: Int
    public var seconds: Double

    public struct RootfsSummary: Codable, Sendable {
        public var sizeBytes: Int64
        public var usedBytes: Int64
        public var inodes: Int
        public var uuid: String
    }
}

/// Runs builds. One instance per build.
public struct Builder {
    public let request: BuildRequest
    public let progress: any ProgressReporter
    public let environment: [String: String]

    public init(
        _ request: BuildRequest, progress: any ProgressReporter = SilentProgress(),
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.request = request
        self.progress = progress
        self.environment = environment
    }

    /// Builds the profile; nothing in the output directory changes unless everything succeeds.
    /// The build holds the output directory exclusively (`OutputDirectory`): it throws at once when
    /// another build is writing there, and it first cleans up after interrupted builds.
    public func build() throws -> BuildResult {
        let started = Date()
        var profile = try Profile.load(path: request.profilePath)
        if let format = request.format {
            guard let value = Profile.ImageFormat(rawValue: format) else {
                throw BuildError(
                    operation: "choose the image format", path: "--format",
                    message: "\"\(format)\": use \(Profile.ImageFormat.choices)")
            }
            profile.disk.format.value = value
        }
        if let platform = request.platform {
            guard let value = Profile.Platform(rawValue: platform) else {
                throw BuildError(
                    operation: "choose the platform", path: "--platform",
                    message: "\"\(platform)\": " + EditDistance.choiceProblem(platform, among: Profile.Platform.self))
            }
            profile.firstboot.platform.value = value
        }
        let name = profile.name.value
        // A root that cannot boot, when the profile alone shows it, stops the build before anything
        // is fetched; the assembled tree is checked again below. A root-only build makes a root for
        // other uses and is not held to what the initrd needs.
        let bootProblems = request.rootfsOnly ? [] : profile.bootProblems()
        if !bootProblems.isEmpty { throw ProfileErrors(bootProblems) }
        // A bad signing key stops the build now, not after the slow stages.
        let signingKey = try request.signingKey.map(UpdateStage.signingKey(at:))
        if signingKey != nil && request.rootfsOnly {
            throw BuildError(
                operation: "write an update payload", path: "--signing-key",
                message: "a payload holds the kernel and initrd too; leave out --rootfs-only")
        }
        let secureBoot = try secureBootSigner(request)
        let unified = secureBoot != nil || profile.kernel.uki.value
        if unified && signingKey != nil {
            throw BuildError(
                operation: "write an update payload", path: "--signing-key",
                message: "update payloads do not carry unified kernel images yet, so a slot updated from one would "
                    + "boot without a sealed command line; leave out --signing-key, or kernel.uki and "
                    + "--secure-boot-key")
        }
        // Held until every temporary of this build is gone (defers run last to first).
        let claim = try OutputDirectory(claiming: request.outputDirectory, progress: progress)
        defer { claim.release() }
        let outputs = try StagedOutputs(directory: URL(fileURLWithPath: request.outputDirectory))
        defer { outputs.discard() }
        let store = try ContentStore(directory: request.outputDirectory)
        defer { store.remove() }

        let cache = PackageCache(
            directory: request.cacheDirectory ?? PackageCache.defaultDirectory(environment: environment))
        let registry = try Self.registryCache(request, environment: environment, cache: cache)
        let apt = Apt(cache: cache, options: try Self.aptOptions(profile), shared: registry) { [progress] notice in
            progress.finish(notice)
        }
        if profile.apt.refresh.value { try apt.refresh() }
        let stage = RootfsStage(apt: apt, store: store, progress: progress)
        var root = try stage.assemble(profile.root.layers, label: name)
        let epoch = try sourceDateEpoch(fallback: root.newestArchiveTime)
        // The kernel's root modules go into the tree, so this precedes the root filesystem image.
        let kernel: PreparedKernel? =
            request.rootfsOnly
            ? nil
            : try KernelStage(
                apt: apt, progress: progress, verityModules: profile.root.verity.value ? ["dm_mod", "dm_verity"] : []
            ).prepare(profile.kernel, into: root.tree, timestamp: epoch)
        // The initrd and the ESP's files come before the slow stages: an ESP too small for them
        // stops the build here.
        var disk: (stage: DiskStage, boot: BootFiles, scratch: ScratchDirectory)?
        if let kernel {
            let scratch = try ScratchDirectory(in: request.outputDirectory)
            var diskStage = DiskStage(
                profile: profile, rootStage: stage, initrdExecutable: try initrdExecutable(), epoch: epoch,
                scratch: scratch.url, progress: progress)
            if unified {
                diskStage.unified = UnifiedSlot(
                    osRelease: try UnifiedSlot.osRelease(in: root.tree, profile: profile), signer: secureBoot,
                    epoch: epoch, scratch: scratch.url)
            }
            disk = (diskStage, try diskStage.prepareBoot(kernel: kernel, outputs: outputs), scratch)
        }
        let updates = UpdateStage(profile: profile, epoch: epoch)
        try updates.install(
            into: root.tree,
            tool: disk == nil ? nil : try besideThisProgram("slipway-update", request.updateExecutable),
            libraries: disk?.boot.libraries)
        try finishTree(root.tree, profile: profile, epoch: epoch)
        // Container images and units; the tree points into the image builder's files until the
        // root image is written.
        let imageBuilder = try ContainerImageBuilder(
            apt: apt, store: store, progress: progress, epoch: epoch, workDirectory: request.outputDirectory)
        defer { imageBuilder.remove() }
        let shipped = try DockerHostStage(images: imageBuilder).install(profile, into: root.tree)

        if !request.rootfsOnly { try BootableRoot.check(root.tree, profile: profile) }
        progress.phase("write root filesystem")
        let rootfsPath = outputs.stage("\(name).rootfs.ext4")
        let rootfsName = outputs.finalName(of: rootfsPath)
        let seed = rootfsSeed(profile: profile, root: root, kernel: kernel, images: shipped, epoch: epoch)
        let rootKey = try registry.map { _ in
            RootImageKey.digest(
                seed: seed, tree: root.tree, rootfsOnly: request.rootfsOnly, bootPackages: disk?.boot.packages ?? [],
                updateTool: disk == nil ? nil : try besideThisProgram("slipway-update", request.updateExecutable))
        }
        let reused = rootKey.flatMap { key in
            registry?.restoreRootImage(key: key, to: rootfsPath.path).flatMap(Ext4Result.init(cacheMetadata:))
        }
        let ext4: Ext4Result
        if let reused {
            ext4 = reused
        } else {
            do {
                ext4 = try Ext4Writer.write(
                    tree: root.tree, to: rootfsPath.path,
                    options: Ext4Options(
                        size: ext4Size(profile.root), label: "root", seed: seed, timestamp: epoch,
                        readOnly: profile.root.readOnly.value))
            } catch let error as Ext4Error {
                throw SizeProblems.atProfileKey(error, profile: profile, rootfsName: rootfsName) ?? error
            }
            if let rootKey {
                registry?.keepRootImage(key: rootKey, file: rootfsPath.path, metadata: ext4.cacheMetadata)
            }
        }
        progress.finish("\(ext4.sizeBytes >> 20) MiB, \(ext4.usedInodes) inodes")
        let rootTree =
            profile.root.verity.value ? try VerityStage.append(to: rootfsPath, seed: seed, progress: progress) : nil

        var files: [String: URL] = ["rootfs": rootfsPath]
        var bootPackages: [Manifest.PackageRecord] = []
        if let kernel, let disk {
            let written = try disk.stage.build(
                boot: disk.boot, rootfs: rootfsPath, rootfsName: rootfsName, rootTree: rootTree, outputs: outputs)
            files["image"] = written.image
            files["kernel"] = written.kernel
            files["initrd"] = written.initrd
            if let converted = written.converted { files[converted.role] = converted.file }
            bootPackages = kernel.packages + written.packages
            if let signingKey {
                progress.phase("update payload")
                let payload = outputs.stage("\(name).update")
                let manifest = try updates.writePayload(
                    to: payload, signingKey: signingKey, rootfs: rootfsPath, kernel: written.kernel,
                    initrd: written.initrd, commandLine: written.commandLine)
                files["update"] = payload
                progress.finish("\(manifest.chunks.compactMap { $0 }.count) chunks, version \(manifest.version)")
            }
        }
        disk = nil  // removes the scratch directory

        progress.phase("write manifest")
        var records: [String: Manifest.OutputRecord] = [:]
        let finalNames = files.mapValues { outputs.finalName(of: $0) }
        for (role, url) in files {
            records[role] = try outputRecord(url, name: finalNames[role] ?? "")
        }
        let manifest = Manifest(
            tool: "slipway 0.1.0",
            profile: .init(name: name, path: recordedProfilePath(), digest: profile.digest),
            platform: profile.firstboot.platform.value.rawValue,
            sourceDateEpoch: epoch, layers: root.layers, packages: root.packages,
            bootPackages: bootPackages, images: shipped.map(\.record), outputs: records,
            verity: rootTree.map {
                .init(rootHash: $0.rootHashHex, salt: $0.saltHex, dataBlocks: $0.dataBlocks, treeSize: $0.treeSize)
            })
        let manifestPath = outputs.stage("\(name).manifest.json")
        try manifest.encoded().write(to: manifestPath)
        let sbom = SPDXDocument(
            manifest: manifest, version: profile.version.value,
            facts: try DebianFacts.read(SPDXDocument.allPackages(manifest), cache: cache))
        try sbom.encoded().write(to: outputs.stage("\(name).spdx.json"))
        try outputs.commit()
        progress.finish("done")
        if let registry {
            registry.pushNew()
            request.cacheNotice(registry.summary)
        }
        root.tree = Tree()  // release the tree before the store goes

        let directory = URL(fileURLWithPath: request.outputDirectory)
        return BuildResult(
            profile: name, manifest: directory.appendingPathComponent("\(name).manifest.json").path,
            sbom: directory.appendingPathComponent("\(name).spdx.json").path,
            outputs: finalNames.mapValues { directory.appendingPathComponent($0).path },
            rootfs: .init(
                sizeBytes: ext4.sizeBytes, usedBytes: Int64(ext4.usedBlocks) * Int64(ext4.blockSize),
                inodes: Int(ext4.usedInodes), uuid: ext4.uuid),
            packages: root.packages.count, seconds: Date().timeIntervalSince(started))
    }

    /// Trims, stamps and clamps the merged tree: `root.remove`, accounts, hostname, times.
    private func finishTree(_ tree: Tree, profile: Profile, epoch: Int64) throws {
        tree.remove(matching: profile.root.remove.map(\.value))
        try FirstbootDefault.install(profile.firstboot, into: tree, timestamp: epoch)
        try AccountFiles.write(users: profile.users, groups: profile.groups, into: tree, timestamp: epoch)
        let hostname = Node(
            kind: .regular(.inline(Array((profile.hostname.value + "\n").utf8))),
            metadata: Metadata(permissions: 0o644, modificationTime: epoch))
        try tree.insert(hostname, at: ["etc", "hostname"])
        tree.clampModificationTimes(to: epoch)
    }

    /// What the root filesystem's UUID and hash seed derive from: the profile and the digest of
    /// every input that reaches the tree, so a rebuild gets the same UUID and an image with other
    /// contents (an update built after a package changed) never shares one with its predecessor.
    private func rootfsSeed(
        profile: Profile, root: AssembledRoot, kernel: PreparedKernel?, images: [ShippedImage], epoch: Int64
    ) -> [UInt8] {
        var inputs = ["\(profile.digest)/rootfs", "epoch \(epoch)"]
        inputs += root.layers.map { "layer \($0.kind) \($0.digest)" }
        inputs += (root.packages + (kernel?.packages ?? [])).map { "package \($0.sha256)" }
        inputs += images.map { "image \($0.record.sha256)" }
        return Array(inputs.joined(separator: "\n").utf8)
    }

    /// The profile's path as the manifest records it: normalized, and relative to the current
    /// directory when it is inside it, so `./p.yaml` and `p.yaml` give the same manifest.
    private func recordedProfilePath() -> String {
        let path = URL(fileURLWithPath: request.profilePath).standardizedFileURL.path
        let current = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL.path
        return path.hasPrefix(current + "/") ? String(path.dropFirst(current.count + 1)) : path
    }

    /// The initrd executable: the request's, or `slipway-initrd` beside the running program.
    private func initrdExecutable() throws -> String {
        try besideThisProgram("slipway-initrd", request.initrdExecutable)
    }

    /// `given`, or the executable `name` beside the running program (built and installed with it).
    private func besideThisProgram(_ name: String, _ given: String?) throws -> String {
        if let given { return given }
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent(name).path
        guard FileManager.default.isExecutableFile(atPath: beside) else {
            throw BuildError(
                operation: "find \(name)", path: beside,
                message: "it is built with slipway (`swift build` or `make`); build it, or install it beside slipway")
        }
        return beside
    }

    private func sourceDateEpoch(fallback: Int64?) throws -> Int64 {
        if let epoch = request.sourceDateEpoch { return epoch }
        if let text = environment["SOURCE_DATE_EPOCH"], !text.isEmpty {
            guard let epoch = Int64(text), epoch >= 0 else {
                throw BuildError(
                    operation: "read SOURCE_DATE_EPOCH", path: "environment",
                    message: "\"\(text)\" is not a whole number of seconds since 1970")
            }
            return epoch
        }
        return fallback ?? 0
    }

    /// The profile's `apt:` section as apt settings. Keyrings are checked here, where an error can
    /// point at the profile line that names them.
    static func aptOptions(_ profile: Profile) throws -> AptOptions {
        var options = AptOptions()
        options.architecture = profile.architecture.value.rawValue
        options.installRecommends = profile.apt.installRecommends.value
        options.sources = profile.apt.sources.map(\.value)
        options.includeHostSources = profile.apt.hostSources.value
        options.keyrings = profile.apt.keyrings.map(\.value.absolute)
        for (index, keyring) in profile.apt.keyrings.enumerated() {
            do {
                try Apt.checkKeyring(atPath: keyring.value.absolute)
            } catch let error as PackagesError {
                let named = "apt.keyrings[\(index)] \"\(keyring.value.written)\" (\(keyring.value.absolute))"
                throw BuildError(
                    operation: "trust apt keyring", path: "\(keyring.location)", message: "\(named): \(error.message)")
            }
        }
        return options
    }

    private func ext4Size(_ root: Profile.Root) -> Ext4Size {
        switch (root.size.value, root.headroom.value) {
        case (.fixed(let bytes), _): .fixed(Int64(bytes))
        case (.auto, .percent(let percent)): .automatic(headroomPercent: percent)
        case (.auto, .bytes(let bytes)): .automatic(headroomPercent: 0, minimumHeadroom: Int64(bytes))
        }
    }

    /// Every output with its digest; the disk images too, whose holes the hashing passes over.
    private func outputRecord(_ staged: URL, name: String) throws -> Manifest.OutputRecord {
        let size = (try FileManager.default.attributesOfItem(atPath: staged.path)[.size] as? Int64) ?? 0
        return Manifest.OutputRecord(file: name, size: size, sha256: try FileHashing.sha256Hex(ofFile: staged.path))
    }
}
