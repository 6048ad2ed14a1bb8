import Foundation
import Profile
import TestSupport
import Testing

/// The profiles in profiles/ validate, and say what the images need.
@Suite struct ShippedProfilesTests {
    static let root = packageRoot()
    static let names = ["base", "minimal", "docker-host", "ssh"]

    static func load(_ name: String) throws -> Profile {
        try Profile.load(path: root.appendingPathComponent("profiles/\(name).yaml").path)
    }

    @Test func everyShippedProfileIsListed() throws {
        let files = try FileManager.default.contentsOfDirectory(
            atPath: Self.root.appendingPathComponent("profiles").path)
        #expect(files.filter { $0.hasSuffix(".yaml") }.sorted() == Self.names.map { "\($0).yaml" }.sorted())
    }

    @Test(arguments: names)
    func validates(_ name: String) throws {
        let profile = try Self.load(name)
        #expect(profile.name.value == name)
    }

    @Test func minimalBootsBusybox() throws {
        let profile = try Self.load("minimal")
        #expect(profile.initPath.value == "/sbin/init")
        #expect(profile.kernel.source.value == .package("linux-image-cloud-amd64"))
        #expect(
            profile.kernel.initrdModules.map(\.value) == [
                "virtio_pci", "virtio_blk", "overlay", "qemu_fw_cfg", "virtio_net", "vfat", "nls_cp437", "nls_ascii",
            ])
        let packages = profile.root.layers.flatMap { layer -> [String] in
            if case .packages(let names) = layer.source { return names.map(\.value) }
            return []
        }
        #expect(packages == ["busybox-static"])
        let links = profile.root.layers.flatMap { layer -> [String] in
            if case .symlinks(let links) = layer.source {
                return links.map { "\($0.path.value) -> \($0.target.value)" }
            }
            return []
        }
        #expect(links.contains("/sbin/init -> /bin/busybox"))
        // The overlay holds busybox init's table and the script that prints the ready line.
        let overlay = try #require(
            profile.root.layers.compactMap { layer -> String? in
                if case .overlay(let path, _) = layer.source { return path.value.absolute }
                return nil
            }.first)
        let inittab = try String(contentsOfFile: overlay + "/etc/inittab", encoding: .utf8)
        #expect(inittab.contains("::sysinit:/etc/init.d/rcS"))
        let rcS = try String(contentsOfFile: overlay + "/etc/init.d/rcS", encoding: .utf8)
        #expect(rcS.contains("slipway: ready"))
        #expect(FileManager.default.isExecutableFile(atPath: overlay + "/etc/init.d/rcS"))
    }

    @Test func minimalReadyScriptParsesUnderBusybox() throws {
        // Only parsed: running it here would mount over the build host's /tmp and /run.
        let root = packageRoot()
        let script = root.appendingPathComponent("overlays/minimal/etc/init.d/rcS").path
        let result = try runTool(["/bin/busybox", "sh", "-n", script])
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test func dockerHostHasBothDaemonsAndAHealthGate() throws {
        let profile = try Self.load("docker-host")
        #expect(profile.initPath.value == "/lib/systemd/systemd")
        #expect(
            profile.kernel.cmdline.map(\.value) == ["console=ttyS0", "panic=-1", "apparmor=0", "systemd.gpt_auto=0"])
        #expect(profile.kernel.rootModules.map(\.value).contains("br_netfilter"))
        #expect(profile.services.enable.map(\.value).contains("system-docker.service"))
        #expect(profile.system.map(\.name.value) == ["syslog"])
        #expect(profile.images.map(\.reference.value) == ["hello"])
        #expect(profile.health.daemons.map(\.value) == [.system, .user])
        #expect(profile.health.containers.map(\.value) == ["syslog"])
        #expect(profile.files.map(lastComponent) == ["base.yaml", "ssh.yaml", "docker-host.yaml"])
    }

    @Test func sshTakesKeysOnlyAndMakesHostKeysAtBoot() throws {
        let profile = try Self.load("ssh")
        let packages = profile.root.layers.flatMap { layer -> [String] in
            if case .packages(let names) = layer.source { return names.map(\.value) }
            return []
        }
        #expect(packages.contains("openssh-server"))
        #expect(profile.services.enable.map(\.value) == ["ssh.service"])
        #expect(profile.users.map(\.name.value) == ["sshd"])
        let overlay = try #require(
            profile.root.layers.compactMap { layer -> String? in
                if case .overlay(let path, _) = layer.source { return path.value.absolute }
                return nil
            }.first)
        let config = try String(contentsOfFile: overlay + "/etc/ssh/sshd_config", encoding: .utf8)
        // First boot writes the config's keys to ~/.ssh/authorized_keys.d/ignition, as Ignition does.
        for setting in [
            "PermitRootLogin no", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
            "AuthorizedKeysFile .ssh/authorized_keys .ssh/authorized_keys.d/ignition",
        ] {
            #expect(config.split(separator: "\n").contains { $0 == setting }, "\(setting)")
        }
        // No host key in the image: the unit ssh.service requires makes it on the first boot.
        #expect(!FileManager.default.fileExists(atPath: overlay + "/etc/ssh/ssh_host_ed25519_key"))
        let dropIn = try String(
            contentsOfFile: overlay + "/usr/lib/systemd/system/ssh.service.d/slipway-keygen.conf", encoding: .utf8)
        #expect(dropIn.contains("Requires=sshd-keygen.service"))
        let keygen = try String(
            contentsOfFile: overlay + "/usr/lib/systemd/system/sshd-keygen.service", encoding: .utf8)
        #expect(keygen.contains("ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key"))
    }

    @Test(arguments: names)
    func canonicalFormLoadsBackToTheSameDigest(_ name: String) throws {
        let profile = try Self.load(name)
        // Loaded from a copy of the checkout's layout (profiles/ next to overlays/), so its relative
        // host paths resolve the same way without writing into the checkout.
        let scratch = try TemporaryDirectory("canonical")
        try FileManager.default.createDirectory(atPath: scratch.file("profiles"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: scratch.file("overlays"), withDestinationPath: Self.root.appendingPathComponent("overlays").path)
        let copy = scratch.file("profiles/\(name).yaml")
        try profile.canonicalYAML.write(toFile: copy, atomically: true, encoding: .utf8)
        let reloaded = try Profile.load(path: copy)
        #expect(reloaded.canonicalYAML == profile.canonicalYAML)
        #expect(reloaded.digest == profile.digest)
    }
}
