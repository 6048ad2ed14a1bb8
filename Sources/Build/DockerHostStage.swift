// Stage of a build that runs after the root tree is merged and finished (accounts, hostname, times
// clamped): it builds the images of the profile's `system:` containers and `images:` preloads, puts
// their archives and the generated units into the root, enables those units, points the health gate
// at what the profile says must be up, and finally enables and masks the profile's `services:`.
// (kernel.modules.root and their modules-load.d list are the kernel stage's.)
import Profile
import Rootfs

/// An image archive shipped in the root.
struct ShippedImage: Sendable {
    enum Daemon: String, Sendable { case system, user }
    /// The daemon that loads it.
    var daemon: Daemon
    /// The system container's name, or the preload's reference.
    var name: String
    /// Where the archive is in the root.
    var pathInRoot: String
    var archive: ContainerImageArchive
}

extension ShippedImage {
    var record: Manifest.ImageRecord {
        Manifest.ImageRecord(
            daemon: daemon.rawValue, name: name, repoTag: archive.repoTag, path: pathInRoot, sha256: archive.sha256,
            imageID: archive.imageID, layers: archive.layers, packages: archive.packages)
    }
}

struct DockerHostStage {
    let images: ContainerImageBuilder
    /// The modification time of every generated file and link (the build's SOURCE_DATE_EPOCH).
    var modificationTime: Int64 { images.epoch }

    /// Adds the profile's containers, preloads, health gate and unit enablement to `tree`. Returns the shipped archives in the order they were built (system containers by
    /// name, then preloads by reference).
    func install(_ profile: Profile, into tree: Tree) throws -> [ShippedImage] {
        let units = SystemdUnits(tree: tree, modificationTime: modificationTime)
        var shipped: [ShippedImage] = []
        if !profile.system.isEmpty {
            try requireOverlay(
                tree, units: units, unit: "system-docker.service", helper: SystemContainerUnits.containerHelper,
                for: "system containers", at: "\(profile.system[0].location)")
        }
        for container in profile.system {
            shipped.append(try installContainer(container, timeout: profile.health.timeoutSeconds.value, into: tree))
            try units.enable(SystemContainerUnits.unitName(forContainer: container.name.value))
        }
        if !profile.images.isEmpty {
            try requireOverlay(
                tree, units: units, unit: SystemContainerUnits.preloadUnit, helper: "/usr/lib/slipway/preload-images",
                for: "preloaded images", at: "\(profile.images[0].location)")
            var list: [(repoTag: String, imageID: String, path: String)] = []
            for image in profile.images {
                let reference = image.reference.value
                let archive = try images.build(image, reference: reference)
                let path = SystemContainerUnits.archivePath(forReference: reference)
                try tree.putFile(path, content: archive.content, modificationTime: modificationTime)
                list.append((archive.repoTag, archive.imageID, path))
                shipped.append(ShippedImage(daemon: .user, name: reference, pathInRoot: path, archive: archive))
            }
            try put(SystemContainerUnits.userImageListFile(list), at: SystemContainerUnits.userImageList, into: tree)
            try units.enable(SystemContainerUnits.preloadUnit)
        }
        try installHealthGate(profile, into: tree, units: units)
        try units.apply(profile.services)
        return shipped
    }

    private func installContainer(_ container: Profile.SystemContainer, timeout: Int, into tree: Tree) throws
        -> ShippedImage
    {
        let name = container.name.value
        let archive = try images.build(container.image, reference: container.image.reference.value)
        let archivePath = SystemContainerUnits.archivePath(forContainer: name)
        try tree.putFile(archivePath, content: archive.content, modificationTime: modificationTime)
        let arguments = try SystemContainerUnits.createArguments(container, repoTag: archive.repoTag)
        let digest = SystemContainerUnits.configDigest(arguments: arguments, imageID: archive.imageID)
        try tree.putFile(
            SystemContainerUnits.argumentsPath(forContainer: name),
            content: .inline(SystemContainerUnits.argumentsFile(arguments, digest: digest)),
            modificationTime: modificationTime)
        let unit = SystemContainerUnits.containerUnit(
            container, repoTag: archive.repoTag, imageID: archive.imageID, digest: digest, timeoutSeconds: timeout)
        try put(
            unit, at: SystemContainerUnits.unitDirectory + "/" + SystemContainerUnits.unitName(forContainer: name),
            into: tree)
        return ShippedImage(daemon: .system, name: name, pathInRoot: archivePath, archive: archive)
    }

    /// Writes the health gate's drop-in and enables slipway-ready.service when the root has it. A
    /// profile that asks for health checks without it gets an error rather than no ready line.
    private func installHealthGate(_ profile: Profile, into tree: Tree, units: SystemdUnits) throws {
        let health = profile.health
        let containers = profile.system.map(\.name.value)
        guard let ready = UnitName(SystemContainerUnits.readyUnit), units.unitFile(for: ready) != nil else {
            if !(health.units.isEmpty && health.daemons.isEmpty && health.containers.isEmpty) {
                throw BuildError(
                    operation: "install the health gate", path: "\(health.location)",
                    message: "health lists what must be up, but the root has no \(SystemContainerUnits.readyUnit); "
                        + "add the overlay that ships it (overlays/docker-host)")
            }
            return
        }
        let text = SystemContainerUnits.readyDropInFile(
            health, containers: containers, preload: !profile.images.isEmpty)
        try put(text, at: SystemContainerUnits.readyDropIn, into: tree)
        try units.enable(SystemContainerUnits.readyUnit)
    }

    private func requireOverlay(
        _ tree: Tree, units: SystemdUnits, unit: String, helper: String, for feature: String, at location: String
    ) throws {
        let hasUnit = UnitName(unit).flatMap { units.unitFile(for: $0) } != nil
        guard hasUnit, tree.resolvedNode(at: helper) != nil else {
            throw BuildError(
                operation: "install \(feature)", path: location,
                message: "the root has no \(hasUnit ? helper : unit), which \(feature) need; "
                    + "add the overlay that ships it (overlays/docker-host) to root.layers")
        }
    }

    private func put(_ text: String, at path: String, into tree: Tree) throws {
        try tree.putFile(path, content: .inline(Array(text.utf8)), modificationTime: modificationTime)
    }
}
