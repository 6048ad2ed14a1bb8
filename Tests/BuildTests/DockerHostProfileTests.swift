import Foundation
import Packages
import Profile
import Rootfs
import TestSupport
import Testing

@testable import Build

/// The shipped docker-host profile through the root and docker-host stages with real Debian
/// packages: every unit it enables exists and enables as in the packages' [Install] sections, and
/// systemd 252 verifies the resulting units against the real root.
@Suite(.serialized) struct DockerHostProfileTests {
    @Test func shippedProfileEnablesRealUnits() throws {
        let directory = try TemporaryDirectory()
        let profile = try Profile.load(path: packageRoot().appendingPathComponent("profiles/docker-host.yaml").path)
        let store = try ContentStore(directory: directory.path)
        defer { store.remove() }
        let apt = Apt(cache: PackageCache(directory: BuildPipelineTests.cache))
        let root = try RootfsStage(apt: apt, store: store, progress: SilentProgress())
            .assemble(profile.root.layers, label: "docker-host")
        let images = try ContainerImageBuilder(
            apt: apt, store: store, progress: SilentProgress(), epoch: DockerHostFixtures.epoch,
            workDirectory: directory.path)
        defer { images.remove() }
        let shipped = try DockerHostStage(images: images).install(profile, into: root.tree)
        #expect(shipped.map(\.name) == ["syslog", "hello"])

        let links = DockerHostFixtures.enablement(root.tree)
        for expected in [
            "/etc/systemd/system/multi-user.target.wants/systemd-networkd.service -> /lib/systemd/system/systemd-networkd.service",
            "/etc/systemd/system/sockets.target.wants/systemd-networkd.socket -> /lib/systemd/system/systemd-networkd.socket",
            "/etc/systemd/system/dbus-org.freedesktop.resolve1.service -> /lib/systemd/system/systemd-resolved.service",
            "/etc/systemd/system/multi-user.target.wants/containerd.service -> /lib/systemd/system/containerd.service",
            "/etc/systemd/system/multi-user.target.wants/docker.service -> /etc/systemd/system/docker.service",
            "/etc/systemd/system/multi-user.target.wants/system-docker.service -> /usr/lib/systemd/system/system-docker.service",
            "/etc/systemd/system/multi-user.target.wants/slipway-system-syslog.service -> /usr/lib/systemd/system/slipway-system-syslog.service",
            "/etc/systemd/system/boot-complete.target.requires/slipway-ready.service -> /usr/lib/systemd/system/slipway-ready.service",
            "/etc/systemd/system/systemd-firstboot.service -> /dev/null",
            "/etc/systemd/system/local-fs.target.wants/tmp.mount -> /usr/share/systemd/tmp.mount",
        ] {
            #expect(links.contains(expected), "missing \(expected) in \(links.joined(separator: "\n"))")
        }
        // The bless service the health gate leads to ships in systemd-boot, where efi.mount's drop-in expects it.
        #expect(root.tree.node(at: "/lib/systemd/system/systemd-bless-boot.service") != nil)
        #expect(root.tree.node(at: "/lib/systemd/systemd-bless-boot") != nil)
        #expect(root.tree.node(at: "/efi")?.isDirectory == true)
        // What the overlay's scripts run, though no package they are in is a dependency of the rest.
        for program in ["/bin/sh", "/bin/sleep", "/bin/systemctl", "/usr/bin/docker", "/usr/lib/os-release"] {
            #expect(root.tree.resolvedNode(at: program) != nil, "\(program)")
        }
        #expect(!root.packages.contains { $0.name == "perl" || $0.name == "usrmerge" })

        let rootDirectory = directory.file("root")
        try DockerHostFixtures.materialize(root.tree, into: rootDirectory)
        let units = [
            "system-docker.service", "docker.service", "containerd.service", "slipway-ready.service",
            "slipway-preload.service", "slipway-system-syslog.service", "efi.mount", "systemd-bless-boot.service",
            "systemd-networkd.service", "systemd-resolved.service",
        ]
        let verify = try runTool(["systemd-analyze", "--man=no", "--root=\(rootDirectory)", "verify"] + units)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        // Every account the packages' sysusers.d files declare is already in the image, so the first
        // boot's systemd-sysusers has nothing to add.
        let sysusers = try runTool(["systemd-sysusers", "--root=\(rootDirectory)", "--dry-run"])
        #expect(sysusers.status == 0, "\(sysusers.stderr)")
        #expect(!(sysusers.stdout + sysusers.stderr).contains("Creating"), "\(sysusers.stdout)\(sysusers.stderr)")
    }
}
