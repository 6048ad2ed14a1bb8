import Foundation
import Profile
import TestSupport
import Testing

/// What the profile alone shows about whether its root can boot: reported only when every layer is
/// declared in the profile, since packages, archives and overlays may hold anything.
@Suite struct BootProblemsTests {
    private func problems(_ yaml: String) throws -> [String] {
        let fixture = try ProfileFixture()
        try fixture.write("p.yaml", yaml)
        return try fixture.load("p.yaml").bootProblems().map {
            $0.description.replacingOccurrences(of: fixture.directory.path + "/", with: "")
        }
    }

    @Test func declaredLayersWithoutInitOrMountPoints() throws {
        #expect(
            try problems("name: p\nroot:\n  layers:\n    - files:\n        - { path: /etc/motd, content: hi }\n") == [
                "p.yaml:1:1: init \"/sbin/init\": no layer provides it, and the initrd runs it after switching root, "
                    + "so the image cannot boot; add a layer that installs it (a package such as systemd-sysv, or a "
                    + "link to busybox as profiles/minimal.yaml has), or set init to the system's init",
                "p.yaml:3:3: root.layers: no layer provides /state, /var, /home, /dev, /proc, /sys or /run, which the "
                    + "initrd mounts on to boot the image; extend profiles/base.yaml (extends: base.yaml), which "
                    + "creates them, or add them: - directories: [{ path: /state }, { path: /var }, { path: /home }, "
                    + "{ path: /dev }, { path: /proc }, { path: /sys }, { path: /run }]",
            ])
    }

    @Test func aMountPointMayComeFromAnEntryBelowItOrALink() throws {
        let yaml = """
            name: p
            init: /bin/init
            root:
              layers:
                - directories: [{ path: /dev/pts }, { path: /proc }, { path: /sys }, { path: /run/lock }]
                - files: [{ path: /state/README, content: x }, { path: /bin/init, content: x, mode: "0755" }]
                - symlinks: [{ path: /var, target: state/var }, { path: /home, target: state/home }]

            """
        #expect(try problems(yaml) == [])
        #expect(try problems(yaml.replacingOccurrences(of: "{ path: /proc }, ", with: "")).count == 1)
    }

    @Test(arguments: [
        "- packages: [busybox-static]", "- overlay: o", "- tar: t.tar",
    ])
    func anOpaqueLayerMayProvideAnything(layer: String) throws {
        let fixture = try ProfileFixture()
        try fixture.makeDirectory("o")
        try fixture.write("t.tar", "")
        try fixture.write("p.yaml", "name: p\nroot:\n  layers:\n    \(layer)\n")
        #expect(try fixture.load("p.yaml").bootProblems().isEmpty)
    }

    /// The shipped profiles boot; base.yaml alone has no init, which every profile extending it adds.
    @Test(arguments: ["minimal", "docker-host", "ssh"])
    func shippedProfilesHaveNone(name: String) throws {
        let profile = try Profile.load(path: packageRoot().appendingPathComponent("profiles/\(name).yaml").path)
        #expect(profile.bootProblems().isEmpty)
    }

    @Test func baseAloneHasNoInit() throws {
        let profile = try Profile.load(path: packageRoot().appendingPathComponent("profiles/base.yaml").path)
        #expect(profile.bootProblems().map(\.keyPath) == ["init"])
    }
}
