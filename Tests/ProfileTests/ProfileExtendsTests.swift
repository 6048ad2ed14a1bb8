import Profile
import Testing

/// `extends:`: lists append, mappings merge key by key, scalars override, null resets, `!replace`
/// replaces, alternatives exclude each other, cycles are errors that show the chain.
@Suite struct ProfileExtendsTests {
    static let base = """
        name: base
        description: shared
        version: "1.0"
        root:
          layers:
            - packages: [busybox-static]
          remove: [/usr/share/doc/**]
          size: 256MiB
        kernel:
          cmdline: [console=ttyS0, panic=-1]
          modules:
            initrd: [virtio_pci]
        disk:
          esp: 64MiB
          state: 64MiB
        groups:
          root: {gid: 0}
          docker: {gid: 999}
        users:
          root: {uid: 0, gid: 0, shell: /bin/sh}

        """

    @Test func listsAppendMapsMergeScalarsOverride() throws {
        let fixture = try ProfileFixture()
        try fixture.write("profiles/base.yaml", Self.base)
        try fixture.write(
            "profiles/child.yaml",
            """
            extends: base.yaml
            name: child
            root:
              layers:
                - packages: [tini]
              remove: [/usr/share/man/**]
            kernel:
              cmdline: [apparmor=0]
            disk:
              state: 1GiB
            users:
              root: {uid: 0, gid: 0, shell: /bin/bash}

            """)
        let profile = try fixture.load("profiles/child.yaml")
        // Scalars: the extending profile wins; untouched ones come from the base.
        #expect(profile.name.value == "child")
        #expect(profile.description?.value == "shared")
        #expect(profile.version.value == "1.0")
        // Lists: base items first.
        #expect(profile.kernel.cmdline.map(\.value) == ["console=ttyS0", "panic=-1", "apparmor=0"])
        #expect(profile.root.remove.map(\.value) == ["/usr/share/doc/**", "/usr/share/man/**"])
        #expect(profile.root.layers.map(\.source.kind) == ["packages", "packages"])
        // Mappings: merged key by key.
        #expect(profile.disk.esp.value == 64 << 20)
        #expect(profile.disk.state.value == 1 << 30)
        #expect(profile.root.size.value == .fixed(256 << 20))
        #expect(profile.kernel.initrdModules.map(\.value) == ["virtio_pci"])
        #expect(profile.users.map(\.shell.value) == ["/bin/bash"])
        #expect(profile.groups.map(\.name.value) == ["docker", "root"])
        // Each value remembers the file that set it.
        #expect(profile.description?.location.file.hasSuffix("profiles/base.yaml") == true)
        #expect(profile.disk.state.location.file.hasSuffix("profiles/child.yaml"))
        #expect(profile.kernel.cmdline[2].location.line == 8)
        #expect(profile.files.map(lastComponent) == ["base.yaml", "child.yaml"])
    }

    @Test func nullResetsReplaceReplacesAlternativesExclude() throws {
        let fixture = try ProfileFixture()
        try fixture.write("base.yaml", Self.base)
        try fixture.write("vmlinuz", "not really a kernel")
        try fixture.write(
            "child.yaml",
            """
            extends: base.yaml
            description: ~
            root:
              size:
              layers: !replace
                - packages: [tini]
            kernel:
              files: {image: vmlinuz}
              modules: {initrd: !replace []}

            """)
        let profile = try fixture.load("child.yaml")
        #expect(profile.description == nil)
        #expect(profile.root.size.value == .auto)
        #expect(profile.root.layers.count == 1)
        guard case .files(let image, nil, nil) = profile.kernel.source.value else {
            Issue.record("kernel.files should replace the base's kernel.package: \(profile.kernel.source.value)")
            return
        }
        #expect(image.written == "vmlinuz")
        #expect(image.absolute == fixture.directory.file("vmlinuz"))
        #expect(profile.kernel.initrdModules.isEmpty)
    }

    @Test func relativePathsResolveAgainstTheirOwnFile() throws {
        let fixture = try ProfileFixture()
        try fixture.makeDirectory("overlays/common")
        try fixture.makeDirectory("profiles/variants")
        try fixture.write(
            "profiles/base.yaml", "name: base\nroot:\n  layers:\n    - overlay: ../overlays/common\n")
        try fixture.write("profiles/variants/v.yaml", "extends: ../base.yaml\nname: v\n")
        let profile = try fixture.load("profiles/variants/v.yaml")
        guard case .overlay(let path, nil) = profile.root.layers.first?.source else {
            Issue.record("expected the base's overlay layer")
            return
        }
        #expect(path.value.absolute == fixture.directory.file("overlays/common"))
        // Canonical paths are relative to the loaded profile, so the digest ignores the checkout's place.
        #expect(path.value.canonical == "../../overlays/common")
    }

    @Test func cycleIsReportedWithTheChain() throws {
        let fixture = try ProfileFixture()
        try fixture.write("a.yaml", "extends: b.yaml\n" + minimalProfile)
        try fixture.write("b.yaml", "extends: [c.yaml]\n")
        try fixture.write("c.yaml", "extends: a.yaml\n")
        #expect(
            fixture.problems("a.yaml") == [
                #"c.yaml:1:10: extends "a.yaml": extends cycle: a.yaml → b.yaml → c.yaml → a.yaml; remove one of these extends"#
            ])
    }

    @Test func selfExtensionIsACycle() throws {
        let fixture = try ProfileFixture()
        try fixture.write("a.yaml", "extends: ./a.yaml\n" + minimalProfile)
        #expect(
            fixture.problems("a.yaml") == [
                #"a.yaml:1:10: extends "./a.yaml": extends cycle: a.yaml → a.yaml; remove one of these extends"#
            ])
    }

    @Test func sharedBaseIsAppliedOnce() throws {
        let fixture = try ProfileFixture()
        try fixture.write("common.yaml", "name: common\nroot:\n  layers:\n    - packages: [busybox-static]\n")
        try fixture.write("left.yaml", "extends: common.yaml\nkernel: {cmdline: [left]}\n")
        try fixture.write("right.yaml", "extends: common.yaml\nkernel: {cmdline: [right]}\n")
        try fixture.write("top.yaml", "extends: [left.yaml, right.yaml]\nname: top\n")
        let profile = try fixture.load("top.yaml")
        #expect(profile.root.layers.count == 1)
        #expect(profile.kernel.cmdline.map(\.value) == ["left", "right"])
        #expect(profile.files.map(lastComponent) == ["common.yaml", "left.yaml", "right.yaml", "top.yaml"])
    }

    @Test func problemsInABaseNameTheBaseFile() throws {
        let fixture = try ProfileFixture()
        try fixture.write("base.yaml", "name: base\ndisk:\n  esp: lots\n")
        try fixture.write("child.yaml", "extends: base.yaml\n" + minimalProfile)
        #expect(
            fixture.problems("child.yaml") == [
                #"base.yaml:3:8: disk.esp "lots": expected a size like 512MiB or 2GiB"#
            ])
    }
}

/// The file name of a path.
func lastComponent(_ path: String) -> String { path.split(separator: "/").last.map(String.init) ?? path }

extension ProfileExtendsTests {
    @Test func absoluteHostPathsStayAbsoluteInTheCanonicalForm() throws {
        let fixture = try ProfileFixture()
        let keyring = try fixture.write("keys/extra.gpg", "key")
        try fixture.write("p/p.yaml", minimalProfile + "apt:\n  keyrings: [\(keyring), ../keys/extra.gpg]\n")
        let profile = try fixture.load("p/p.yaml")
        #expect(profile.apt.keyrings.map(\.value.canonical) == [keyring, "../keys/extra.gpg"])
        #expect(profile.apt.keyrings.map(\.value.absolute) == [keyring, keyring])
    }
}
