import Foundation
import Profile
import Rootfs
import TestSupport
import Testing

@testable import Build

/// The docker-host stage on a root made of the real overlays/docker-host and stand-ins for the
/// package units: images built and placed, units generated and enabled, the profile's services applied.
struct DockerHostStageTests {
    static let profileYAML = """
        services:
          enable: [containerd.service, docker.service, system-docker.service]
          mask: [systemd-firstboot.service]
        system:
          syslog:
            image:
              layers:
                - files: [{ path: /bin/syslogd, content: "syslogd", mode: "0755" }]
            command: [-n]
            network: none
        images:
          hello:
            layers:
              - files: [{ path: /bin/echo, content: "echo", mode: "0755" }]
            cmd: [/bin/echo, hello]
        health:
          units: [system-docker.service, docker.service]
          daemons: [system, user]
          containers: [syslog]

        """

    /// The overlay as the build merges it, plus the units Debian's packages would bring.
    private func root(in directory: TemporaryDirectory, store: ContentStore, overlay: Bool = true) throws -> Tree {
        let assembler = RootfsAssembler(store: store)
        if overlay {
            try assembler.apply([.directory(path: packageRoot().appendingPathComponent("overlays/docker-host").path)])
        }
        let packageUnits = [
            "lib/systemd/system/containerd.service":
                "[Service]\nExecStart=/usr/bin/containerd\n[Install]\nWantedBy=multi-user.target\n",
            "lib/systemd/system/docker.socket":
                "[Socket]\nListenStream=/run/docker.sock\n[Install]\nWantedBy=sockets.target\n",
            "lib/systemd/system/systemd-firstboot.service": "[Unit]\nDescription=First Boot Wizard\n",
        ]
        try assembler.apply([
            .files(packageUnits.map { InlineFile(path: $0.key, bytes: Array($0.value.utf8)) })
        ])
        return assembler.tree
    }

    @Test func installsImagesUnitsAndEnablement() throws {
        let directory = try TemporaryDirectory()
        let profile = try DockerHostFixtures.profile(Self.profileYAML, in: directory)
        let (builder, store) = try DockerHostFixtures.builder(in: directory)
        let tree = try root(in: directory, store: store)
        let shipped = try DockerHostStage(images: builder).install(profile, into: tree)

        #expect(
            shipped.map(\.pathInRoot) == [
                "/usr/lib/slipway/images/system/syslog.tar", "/usr/lib/slipway/images/user/hello.tar",
            ])
        #expect(shipped.map(\.archive.repoTag) == ["slipway-system/syslog:latest", "hello:latest"])
        let units = "/usr/lib/systemd/system"
        #expect(
            DockerHostFixtures.enablement(tree) == [
                "/etc/systemd/system/boot-complete.target.requires/slipway-ready.service -> \(units)/slipway-ready.service",
                "/etc/systemd/system/multi-user.target.wants/containerd.service -> /lib/systemd/system/containerd.service",
                "/etc/systemd/system/multi-user.target.wants/docker.service -> /etc/systemd/system/docker.service",
                "/etc/systemd/system/multi-user.target.wants/slipway-preload.service -> \(units)/slipway-preload.service",
                "/etc/systemd/system/multi-user.target.wants/slipway-ready.service -> \(units)/slipway-ready.service",
                "/etc/systemd/system/multi-user.target.wants/slipway-system-syslog.service -> \(units)/slipway-system-syslog.service",
                "/etc/systemd/system/multi-user.target.wants/system-docker.service -> \(units)/system-docker.service",
                "/etc/systemd/system/systemd-firstboot.service -> /dev/null",
            ])

        // The archive in the root is the one built, and it is what the unit and the arguments name.
        let syslog = try #require(shipped.first)
        let node = try #require(tree.node(at: "/usr/lib/slipway/images/system/syslog.tar"))
        guard case .regular(let content) = node.kind else { throw FixtureError("not a regular file") }
        #expect(content == syslog.archive.content)
        let unit = try #require(DockerHostFixtures.text(tree, "\(units)/slipway-system-syslog.service"))
        let arguments = try #require(DockerHostFixtures.text(tree, "/usr/lib/slipway/system/syslog.args"))
        let execStart = try #require(unit.split(separator: "\n").first { $0.hasPrefix("ExecStart=") })
        let digest = try #require(execStart.split(separator: " ").last)
        #expect(execStart.contains(" syslog slipway-system/syslog:latest \(syslog.archive.imageID) "))
        #expect(
            arguments == """
                --label=org.slipway.config=\(digest)
                --name=syslog
                --restart=always
                --network=none
                --log-driver=journald
                slipway-system/syslog:latest
                -n

                """)
        #expect(
            DockerHostFixtures.text(tree, "/usr/lib/slipway/images/user.list")
                == "hello:latest \(shipped[1].archive.imageID) /usr/lib/slipway/images/user/hello.tar\n")
        let dropIn = try #require(
            DockerHostFixtures.text(tree, "\(units)/slipway-ready.service.d/slipway-health.conf"))
        #expect(dropIn.contains("Environment=\"SLIPWAY_HEALTH_CONTAINERS=syslog\"\n"))
        #expect(
            dropIn.contains(
                "Wants=system-docker.service docker.service slipway-system-syslog.service slipway-preload.service\n"))
        #expect(!dropIn.contains("After="))

        // The archive skopeo reads from the tree's content is tagged as the unit expects.
        let copy = directory.file("syslog.tar")
        try FileManager.default.copyItem(atPath: syslog.archive.path, toPath: copy)
        let inspect = try runTool(["skopeo", "inspect", "--config", "docker-archive:\(copy)"])
        #expect(inspect.status == 0, "\(inspect.stderr)")
        #expect(inspect.stdout.contains("\"-n\"") == false)  // the command is the container's, not the image's
    }

    /// systemd 252's `systemd-analyze verify` loads the overlay's units and the generated ones from
    /// the built root: syntax, dependencies and that every ExecStart= program exists in the root.
    @Test func systemdAnalyzeVerifiesTheUnits() throws {
        let directory = try TemporaryDirectory()
        let profile = try DockerHostFixtures.profile(Self.profileYAML, in: directory)
        let (builder, store) = try DockerHostFixtures.builder(in: directory)
        let tree = try root(in: directory, store: store)
        _ = try DockerHostStage(images: builder).install(profile, into: tree)
        let rootDirectory = directory.file("root")
        try DockerHostFixtures.materialize(tree, into: rootDirectory)
        // Stand-ins for the programs the units start, which come from packages in a real build.
        for program in ["/usr/sbin/dockerd", "/usr/bin/containerd", "/usr/bin/docker"] {
            try FileManager.default.createDirectory(
                atPath: rootDirectory + (program as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true)
            try "#!/bin/sh\n".write(toFile: rootDirectory + program, atomically: false, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: rootDirectory + program)
        }
        // The targets and slices systemd itself ships, from this machine's systemd.
        let hostUnits = "/lib/systemd/system"
        for name in try FileManager.default.contentsOfDirectory(atPath: hostUnits)
        where name.hasSuffix(".target") || name.hasSuffix(".slice") {
            let target = rootDirectory + hostUnits + "/" + name
            if !FileManager.default.fileExists(atPath: target) {
                try FileManager.default.copyItem(atPath: hostUnits + "/" + name, toPath: target)
            }
        }
        let units = [
            "system-docker.service", "docker.service", "slipway-ready.service", "slipway-preload.service", "efi.mount",
            "slipway-system-syslog.service",
        ]
        let verify = try runTool(["systemd-analyze", "--man=no", "--root=\(rootDirectory)", "verify"] + units)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stderr.isEmpty, "\(verify.stderr)")
    }

    @Test func systemContainersNeedTheOverlay() throws {
        let directory = try TemporaryDirectory()
        let profile = try DockerHostFixtures.profile(Self.profileYAML, in: directory)
        let (builder, store) = try DockerHostFixtures.builder(in: directory)
        let tree = try root(in: directory, store: store, overlay: false)
        let error = try #require(throws: BuildError.self) {
            try DockerHostStage(images: builder).install(profile, into: tree)
        }
        #expect(error.operation == "install system containers")
        #expect(
            error.message
                == "the root has no system-docker.service, which system containers need; "
                + "add the overlay that ships it (overlays/docker-host) to root.layers")
    }

    @Test func healthChecksNeedTheReadyUnit() throws {
        let directory = try TemporaryDirectory()
        let profile = try DockerHostFixtures.profile(
            """
            health:
              units: [docker.service]

            """, in: directory)
        let (builder, store) = try DockerHostFixtures.builder(in: directory)
        let tree = try root(in: directory, store: store, overlay: false)
        let error = try #require(throws: BuildError.self) {
            try DockerHostStage(images: builder).install(profile, into: tree)
        }
        #expect(error.operation == "install the health gate")
        #expect(error.message.hasPrefix("health lists what must be up, but the root has no slipway-ready.service"))
    }

    @Test func aProfileWithoutContainersOnlyAppliesItsServices() throws {
        let directory = try TemporaryDirectory()
        let profile = try DockerHostFixtures.profile(
            """
            services:
              enable: [containerd.service]

            """, in: directory)
        let (builder, store) = try DockerHostFixtures.builder(in: directory)
        let tree = try root(in: directory, store: store, overlay: false)
        #expect(try DockerHostStage(images: builder).install(profile, into: tree).isEmpty)
        #expect(
            DockerHostFixtures.enablement(tree) == [
                "/etc/systemd/system/multi-user.target.wants/containerd.service -> /lib/systemd/system/containerd.service"
            ])
    }
}
