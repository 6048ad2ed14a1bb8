// The files the build generates for a profile's `system:` containers, `images:` preloads and
// `health:` gate. The static parts (the helper scripts, system-docker.service, slipway-ready.service,
// slipway-preload.service) are in overlays/docker-host; what depends on the profile is written here:
//
//   /usr/lib/systemd/system/slipway-system-NAME.service   one unit per system container
//   /usr/lib/slipway/system/NAME.args                      its `docker create` arguments, one per line
//   /usr/lib/slipway/images/system/NAME.tar                its image, a `docker save` archive
//   /usr/lib/slipway/images/user/REFERENCE.tar             each preloaded image
//   /usr/lib/slipway/images/user.list                      TAG IMAGE-ID ARCHIVE per preloaded image
//   /usr/lib/systemd/system/slipway-ready.service.d/slipway-health.conf   what the health gate waits for
//
// Arguments go one per line into a file, read back with `read -r`, so no value is ever parsed by a
// shell or by systemd's ExecStart= quoting.
import Foundation
import Hashing
import Profile

enum SystemContainerUnits {
    static let unitDirectory = "/usr/lib/systemd/system"
    static let imagesDirectory = "/usr/lib/slipway/images"
    static let systemImagesDirectory = imagesDirectory + "/system"
    static let userImagesDirectory = imagesDirectory + "/user"
    static let userImageList = imagesDirectory + "/user.list"
    static let argumentsDirectory = "/usr/lib/slipway/system"
    /// The overlay's script that loads, creates and starts one system container.
    static let containerHelper = "/usr/lib/slipway/system-container"
    static let preloadUnit = "slipway-preload.service"
    static let readyUnit = "slipway-ready.service"
    static let readyDropIn = unitDirectory + "/slipway-ready.service.d/slipway-health.conf"
    /// The container label that records which configuration a system container was created with.
    static let configLabel = "org.slipway.config"

    /// The unit that runs system container `name`.
    static func unitName(forContainer name: String) -> String { "slipway-system-\(name).service" }

    /// The systemd unit of each health daemon.
    static func unitName(for daemon: Profile.Daemon) -> String {
        switch daemon {
        case .system: "system-docker.service"
        case .user: "docker.service"
        }
    }

    static func archivePath(forContainer name: String) -> String { "\(systemImagesDirectory)/\(name).tar" }
    static func argumentsPath(forContainer name: String) -> String { "\(argumentsDirectory)/\(name).args" }

    /// The archive of a preloaded image: the reference with "/" and ":" escaped, which references
    /// cannot contain as "%", so two references never share a file.
    static func archivePath(forReference reference: String) -> String {
        let escaped = reference.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "/", with: "%2F")
            .replacingOccurrences(of: ":", with: "%3A")
        return "\(userImagesDirectory)/\(escaped).tar"
    }

    // MARK: - System containers

    /// The `docker create` arguments of `container` (its image tagged `repoTag`), without the
    /// configuration label.
    static func createArguments(_ container: Profile.SystemContainer, repoTag: String) throws -> [String] {
        let name = container.name.value
        var arguments = ["--name=\(name)", "--restart=\(container.restart.value.rawValue)"]
        arguments.append("--network=\(container.network.value.rawValue)")
        if container.pid.value == .host { arguments.append("--pid=host") }
        if container.privileged.value { arguments.append("--privileged") }
        for capability in container.capabilities { arguments.append("--cap-add=\(capability.value)") }
        // Logs go to the journal (`journalctl CONTAINER_NAME=NAME`), not to files that grow on STATE.
        arguments.append("--log-driver=journald")
        for variable in container.environment {
            arguments.append("--env=\(variable.name.value)=\(variable.value.value)")
        }
        for mount in container.mounts { arguments.append(try mountArgument(mount, container: name)) }
        arguments.append(repoTag)
        arguments += container.command?.map(\.value) ?? []
        // The arguments file has one argument per line: name the value that breaks that.
        let values = (container.command ?? []) + container.environment.flatMap { [$0.name, $0.value] }
        for value in values where value.value.contains("\n") || value.value.contains("\0") {
            throw BuildError(
                operation: "generate the unit of system container \(name)", path: "\(value.location)",
                message: "\"\(value.value)\" contains a line break or NUL, which a container argument cannot hold")
        }
        return arguments
    }

    /// `--volume=SOURCE:TARGET[:ro]` for bind mounts and volumes (docker creates a missing bind
    /// source directory, which a first boot needs), `--tmpfs=TARGET[:ro]` for tmpfs.
    private static func mountArgument(_ mount: Profile.Mount, container: String) throws -> String {
        let readOnly = mount.readOnly.value ? ":ro" : ""
        let target = mount.target.value
        switch mount.type.value {
        case .tmpfs:
            guard !target.contains(":") else { throw mountFailure(mount, container: container) }
            return "--tmpfs=\(target)\(readOnly)"
        case .bind, .volume:
            guard let source = mount.source?.value, !source.contains(":"), !target.contains(":") else {
                throw mountFailure(mount, container: container)
            }
            return "--volume=\(source):\(target)\(readOnly)"
        }
    }

    private static func mountFailure(_ mount: Profile.Mount, container: String) -> BuildError {
        BuildError(
            operation: "generate the unit of system container \(container)", path: "\(mount.location)",
            message: "a mount needs a source (bind, volume) and paths without \":\"")
    }

    /// The digest that identifies a container's configuration: its image and its arguments. The
    /// container is re-created on boot when the label it carries differs (a new root slot).
    static func configDigest(arguments: [String], imageID: String) -> String {
        SHA256.hexDigest(Array(([imageID] + arguments).joined(separator: "\n").utf8))
    }

    /// The arguments file: the label first, then `arguments`, one per line.
    static func argumentsFile(_ arguments: [String], digest: String) -> [UInt8] {
        Array((["--label=\(configLabel)=\(digest)"] + arguments).map { $0 + "\n" }.joined().utf8)
    }

    /// The unit that loads, creates and starts `container` on the system daemon.
    static func containerUnit(
        _ container: Profile.SystemContainer, repoTag: String, imageID: String, digest: String, timeoutSeconds: Int
    ) -> String {
        let name = container.name.value
        var unit = """
            # Generated by slipway from the profile's system.\(name): the system container \(name) on the
            # system Docker daemon. Its image ships in \(archivePath(forContainer: name)) and is loaded
            # when the daemon lacks it; the container is re-created when its configuration changed.
            [Unit]
            Description=slipway system container \(name)
            Requires=system-docker.service
            After=system-docker.service

            """
        for dependency in container.dependsOn {
            let other = unitName(forContainer: dependency.value)
            unit += "Requires=\(other)\nAfter=\(other)\n"
        }
        unit += """

            [Service]
            Type=oneshot
            RemainAfterExit=yes
            ExecStart=\(containerHelper) \(name) \(repoTag) \(imageID) \(digest)
            TimeoutStartSec=\(timeoutSeconds)

            [Install]
            WantedBy=multi-user.target

            """
        return unit
    }

    // MARK: - Preloads and health

    /// `TAG IMAGE-ID ARCHIVE` per line, read by the overlay's preload-images script.
    static func userImageListFile(_ images: [(repoTag: String, imageID: String, path: String)]) -> String {
        images.map { "\($0.repoTag) \($0.imageID) \($0.path)\n" }.joined()
    }

    /// The units the health gate waits for, in order without repeats: the profile's health units,
    /// the daemons', every system container's, and the preload unit when there are preloads.
    static func healthUnits(_ health: Profile.Health, containers: [String], preload: Bool) -> [String] {
        var units: [String] = []
        func add(_ unit: String) { if !units.contains(unit) { units.append(unit) } }
        health.units.forEach { add($0.value) }
        health.daemons.forEach { add(unitName(for: $0.value)) }
        containers.forEach { add(unitName(forContainer: $0)) }
        if preload { add(preloadUnit) }
        return units
    }

    /// The drop-in that tells slipway-ready.service what to wait for.
    static func readyDropInFile(_ health: Profile.Health, containers: [String], preload: Bool) -> String {
        let units = healthUnits(health, containers: containers, preload: preload)
        let timeout = health.timeoutSeconds.value
        var text = """
            # Generated by slipway from the profile's health section: slipway-ready.service waits for
            # these, then blesses the boot (boot-complete.target) and prints the ready line.

            """
        // Wants= without After=: the gate starts early and polls the units itself, so its timeout
        // also covers a unit that never finishes starting (After= would hold the gate back forever).
        if !units.isEmpty {
            text += "[Unit]\nWants=\(units.joined(separator: " "))\n\n"
        }
        text += """
            [Service]
            Environment=SLIPWAY_HEALTH_TIMEOUT=\(timeout)
            Environment="SLIPWAY_HEALTH_UNITS=\(units.joined(separator: " "))"
            Environment="SLIPWAY_HEALTH_DAEMONS=\(health.daemons.map(\.value.rawValue).joined(separator: " "))"
            Environment="SLIPWAY_HEALTH_CONTAINERS=\(health.containers.map(\.value).joined(separator: " "))"
            TimeoutStartSec=\(timeout + 30)

            """
        return text
    }
}
