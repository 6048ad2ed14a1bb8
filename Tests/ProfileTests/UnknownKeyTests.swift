import Testing

/// An unknown key anywhere is an error that suggests the closest known key of that mapping.
@Suite struct UnknownKeyTests {
    static let cases: [(yaml: String, expected: String)] = [
        ("Kernel: {}\n", #"p.yaml:5:1: Kernel: unknown key; did you mean "kernel"?"#),
        ("helth: {}\n", #"p.yaml:5:1: helth: unknown key; did you mean "health"?"#),
        ("disk:\n  sise: 1GiB\n", #"p.yaml:6:3: disk.sise: unknown key; did you mean "size"?"#),
        ("disk:\n  oem-size: 16MiB\n", #"p.yaml:6:3: disk.oem-size: unknown key; did you mean "oem"?"#),
        (
            "apt:\n  installRecommends: true\n",
            #"p.yaml:6:3: apt.installRecommends: unknown key; did you mean "install-recommends"?"#
        ),
        (
            "kernel:\n  modules: {intrd: [a]}\n",
            #"p.yaml:6:13: kernel.modules.intrd: unknown key; did you mean "initrd"?"#
        ),
        ("firstboot:\n  platfrom: qemu\n", #"p.yaml:6:3: firstboot.platfrom: unknown key; did you mean "platform"?"#),
        (
            "system:\n  ntp:\n    image: {layers: [{packages: [a1]}]}\n    dependson: [x]\n",
            #"p.yaml:8:5: system.ntp.dependson: unknown key; did you mean "depends-on"?"#
        ),
        (
            "images:\n  hello:\n    layers: [{packages: [a1]}]\n    working_dir: /\n",
            #"p.yaml:8:5: images.hello.working_dir: unknown key; did you mean "working-dir"?"#
        ),
    ]

    @Test(arguments: cases)
    func suggestsTheClosestKey(_ yaml: String, _ expected: String) throws {
        let fixture = try ProfileFixture()
        try fixture.write("p.yaml", minimalProfile + yaml)
        #expect(fixture.problems("p.yaml") == [expected])
    }

    @Test func layerKeysAreSuggestedToo() throws {
        let fixture = try ProfileFixture()
        try fixture.write("p.yaml", "name: t\nroot:\n  layers:\n    - package: [busybox-static]\n")
        #expect(
            fixture.problems("p.yaml") == [
                #"p.yaml:4:7: root.layers[0].package: unknown key; did you mean "packages"?"#,
                "p.yaml:4:7: root.layers[0]: a layer needs one of: packages, tar, oci, docker-archive, overlay, files, symlinks, directories",
            ])
    }
}
