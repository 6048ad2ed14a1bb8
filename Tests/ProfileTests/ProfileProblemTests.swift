import Testing

/// Each bad profile gives exactly these messages, with file, line, column, key path and rule.
@Suite struct ProfileProblemTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let yaml: String
        let expected: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "unknown top-level key suggests the closest",
            yaml: minimalProfile + "kernal:\n  package: linux-image-amd64\n",
            expected: [#"p.yaml:5:1: kernal: unknown key; did you mean "kernel"?"#]),
        Case(
            name: "unknown nested key in kebab-case",
            yaml: minimalProfile + "rescue_shell: true\n",
            expected: [#"p.yaml:5:1: rescue_shell: unknown key; did you mean "rescue-shell"?"#]),
        Case(
            name: "unknown key far from any lists the known ones",
            yaml: minimalProfile + "firstboot:\n  zzzzzz: 1\n",
            expected: ["p.yaml:6:3: firstboot.zzzzzz: unknown key; expected one of: platform, config"]),
        Case(
            name: "unknown disk format lists every format",
            yaml: minimalProfile + "disk:\n  format: vdi\n",
            expected: [#"p.yaml:6:11: disk.format "vdi": expected one of: raw, qcow2, vmdk, vhd, gce"#]),
        Case(
            name: "bad size",
            yaml: minimalProfile + "disk:\n  esp: 12X\n",
            expected: [#"p.yaml:6:8: disk.esp "12X": expected a size like 512MiB or 2GiB"#]),
        Case(
            name: "decimal units are rejected with the binary spelling",
            yaml: minimalProfile + "disk:\n  state: 2GB\n",
            expected: [
                #"p.yaml:6:10: disk.state "2GB": decimal units are ambiguous; write 2GiB (sizes count in powers of 1024)"#
            ]),
        Case(
            name: "partition sizes are whole MiB",
            yaml: minimalProfile + "disk:\n  state: 100000KiB\n",
            expected: [
                #"p.yaml:6:10: disk.state "100000KiB": partitions are aligned to 1MiB; use a whole number of MiB"#
            ]),
        Case(
            name: "ESP below the FAT32 minimum",
            yaml: minimalProfile + "disk:\n  esp: 32MiB\n",
            expected: [#"p.yaml:6:8: disk.esp "32MiB": must be at least 40MiB"#]),
        Case(
            name: "partitions that cannot fit the disk",
            yaml: minimalProfile + "disk:\n  size: 1GiB\n  root: 512MiB\n",
            expected: [
                #"p.yaml:6:9: disk.size "1GiB": the partitions need 1410MiB (2MiB for the partition table + esp 128MiB + root 2 × 512MiB + state 256MiB); raise disk.size or shrink a partition"#
            ]),
        Case(
            name: "root filesystem larger than its slot",
            yaml: "name: t\nroot:\n  size: 1GiB\n  layers:\n    - packages: [x1]\ndisk:\n  root: 512MiB\n",
            expected: [
                #"p.yaml:3:9: root.size "1GiB": the root filesystem is larger than a root slot (disk.root 512MiB); raise disk.root or shrink root.size"#
            ]),
        Case(
            name: "sizes past the ceiling, which builds would take minutes to hash or hosts cannot hold",
            yaml: "name: t\nroot:\n  size: 64TiB\n  headroom: 1TiB\n  layers:\n    - packages: [x1]\n"
                + "disk:\n  size: 65GiB\n  state: 1TiB\n  oem: 100GiB\n",
            expected: [
                #"p.yaml:3:9: root.size "64TiB": must be at most 64GiB: images are written and hashed whole; build a small image and give it a larger disk, which STATE grows to fill on first boot"#,
                #"p.yaml:4:13: root.headroom "1TiB": must be at most 64GiB: images are written and hashed whole; build a small image and give it a larger disk, which STATE grows to fill on first boot"#,
                #"p.yaml:8:9: disk.size "65GiB": must be at most 64GiB: images are written and hashed whole; build a small image and give it a larger disk, which STATE grows to fill on first boot"#,
                #"p.yaml:9:10: disk.state "1TiB": must be at most 64GiB: images are written and hashed whole; build a small image and give it a larger disk, which STATE grows to fill on first boot"#,
                #"p.yaml:10:8: disk.oem "100GiB": must be at most 64GiB: images are written and hashed whole; build a small image and give it a larger disk, which STATE grows to fill on first boot"#,
            ]),
        Case(
            name: "the ceiling itself is allowed",
            yaml: "name: t\nroot:\n  size: 64GiB\n  layers:\n    - packages: [x1]\ndisk:\n  root: 64GiB\n",
            expected: []),
        Case(
            name: "wrong type for a section",
            yaml: "name: t\nroot: [a, b]\n",
            expected: ["p.yaml:2:7: root: expected a mapping, found a list"]),
        Case(
            name: "wrong type for a list",
            yaml: minimalProfile + "kernel:\n  cmdline: console=ttyS0\n",
            expected: [#"p.yaml:6:12: kernel.cmdline "console=ttyS0": expected a list, found a scalar"#]),
        Case(
            name: "missing name",
            yaml: "root:\n  layers:\n    - packages: [busybox-static]\n",
            expected: [#"p.yaml:1:1: missing required key "name""#]),
        Case(
            name: "missing root",
            yaml: "name: t\n",
            expected: [#"p.yaml:1:1: missing required key "root" (the root filesystem's layers)"#]),
        Case(
            name: "invalid profile name",
            yaml: "name: Docker_Host\nroot:\n  layers:\n    - packages: [busybox-static]\n",
            expected: [
                #"p.yaml:1:7: name "Docker_Host": expected a name of lower-case letters, digits and "-" that starts with a letter or digit, like docker-host"#
            ]),
        Case(
            name: "mutually exclusive kernel sources",
            yaml: minimalProfile + "kernel:\n  package: linux-image-amd64\n  files: {image: vmlinuz}\n",
            expected: [#"p.yaml:7:3: kernel: "package" and "files" cannot be used together; keep one"#]),
        Case(
            name: "kernel files that do not exist",
            yaml: minimalProfile + "kernel:\n  files:\n    image: vmlinuz\n    config: kconfig\n",
            expected: [
                #"p.yaml:7:12: kernel.files.image "vmlinuz": no such file (looked for vmlinuz)"#,
                #"p.yaml:8:13: kernel.files.config "kconfig": no such file (looked for kconfig)"#,
            ]),
        Case(
            name: "two kinds in one layer",
            yaml: "name: t\nroot:\n  layers:\n    - packages: [a1]\n      tar: x.tar\n",
            expected: [#"p.yaml:5:7: root.layers[0]: "packages" and "tar" cannot be used together; keep one"#]),
        Case(
            name: "a layer of no kind",
            yaml: "name: t\nroot:\n  layers:\n    - ref: latest\n",
            expected: [
                "p.yaml:4:7: root.layers[0]: a layer needs one of: packages, tar, oci, docker-archive, overlay, files, symlinks, directories"
            ]),
        Case(
            name: "file without content or source, bad mode and owner",
            yaml:
                "name: t\nroot:\n  layers:\n    - files:\n        - path: /etc/x\n          mode: 0999\n          owner: root\n",
            expected: [
                #"p.yaml:5:11: root.layers[0].files[0]: missing "content" (text) or "source" (a file next to the profile)"#,
                #"p.yaml:6:17: root.layers[0].files[0].mode "0999": expected an octal mode from 0000 to 7777, like 0644 or 0755"#,
                #"p.yaml:7:18: root.layers[0].files[0].owner "root": expected a numeric owner uid:gid, like 0:0 or 1000:1000"#,
            ]),
        Case(
            name: "relative path inside the image",
            yaml: "name: t\nroot:\n  layers:\n    - symlinks: [{path: bin/sh, target: busybox}]\n",
            expected: [
                #"p.yaml:4:25: root.layers[0].symlinks[0].path "bin/sh": expected an absolute path inside the image, like /etc/hostname, without ".", ".." or "//""#
            ]),
        Case(
            name: "bad boolean and bad package name",
            yaml: "name: t\nrescue-shell: yes\nroot:\n  layers:\n    - packages: [Busybox]\n",
            expected: [
                #"p.yaml:2:15: rescue-shell "yes": expected true or false"#,
                #"p.yaml:5:18: root.layers[0].packages[0] "Busybox": expected a Debian package name like docker.io, optionally with =VERSION, like tini=0.19.0-1"#,
            ]),
        Case(
            name: "user without uid, unknown group",
            yaml: minimalProfile
                + "users:\n  core: {gid: 0, groups: [dokcer]}\ngroups:\n  root: {gid: 0}\n  docker: {gid: 999}\n",
            expected: [#"p.yaml:6:9: users.core: missing required key "uid""#]),
        Case(
            name: "unknown supplementary group suggests the closest",
            yaml: minimalProfile
                + "users:\n  core: {uid: 1000, gid: 0, groups: [dokcer]}\ngroups:\n  root: {gid: 0}\n  docker: {gid: 999}\n",
            expected: [
                #"p.yaml:6:38: users.core.groups[0] "dokcer": no such group in "groups"; declare it there with its gid; did you mean "docker"?"#
            ]),
        Case(
            name: "unit enabled and masked, unit without suffix",
            yaml: minimalProfile + "services:\n  enable: [docker.service, docker]\n  mask: [docker.service]\n",
            expected: [
                #"p.yaml:6:28: services.enable[1] "docker": expected a systemd unit name like docker.service (one of: .service, .socket, .target, .timer, .mount, .automount, .path, .slice, .swap, .device)"#,
                #"p.yaml:7:10: services.mask[0] "docker.service": the unit is also in services.enable; a masked unit cannot start, so keep it in one list"#,
            ]),
        Case(
            name: "system container dependencies: unknown, cycle",
            yaml: minimalProfile
                + "system:\n  log:\n    image: {layers: [{packages: [a1]}]}\n    depends-on: [ntp, lgo]\n"
                + "  ntp:\n    image: {layers: [{packages: [a1]}]}\n    depends-on: [log]\n",
            expected: [
                #"p.yaml:8:23: system.log.depends-on[1] "lgo": no such container in "system"; did you mean "log"?"#,
                "p.yaml:8:18: system.log.depends-on: dependency cycle: log → ntp → log; remove one of these depends-on entries",
            ].sorted()),
        Case(
            name: "image config with an archive",
            yaml: minimalProfile + "images:\n  hello:\n    archive: hello.tar\n    cmd: [sh]\n",
            expected: [
                #"p.yaml:7:14: images.hello.archive "hello.tar": no such file or directory (looked for hello.tar)"#,
                #"p.yaml:8:5: images.hello.cmd: "cmd" applies only to images built from "layers"; an archive brings its own config"#,
            ]),
        Case(
            name: "missing apt keyring",
            yaml: minimalProfile + "apt:\n  keyrings: [keys/extra.gpg]\n",
            expected: [#"p.yaml:6:14: apt.keyrings[0] "keys/extra.gpg": no such file (looked for keys/extra.gpg)"#]),
        Case(
            name: "no apt sources at all",
            yaml: minimalProfile + "apt:\n  host-sources: false\n",
            expected: [
                #"p.yaml:6:17: apt.host-sources "false": without the host's sources apt needs others (package layers, the kernel package and the boot files come from Debian packages): list apt.sources or set host-sources to true"#
            ]),
        Case(
            name: "YAML syntax error",
            yaml: "name: t\nroot:\n  layers: [a\n",
            expected: [
                "p.yaml:4:1: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 3)"
            ]),
        Case(
            name: "duplicate key",
            yaml: "name: t\nname: u\nroot:\n  layers:\n    - packages: [a1]\n",
            expected: [#"p.yaml:1:1: duplicate key "name": each key may appear once in a mapping"#]),
        Case(
            name: "missing base profile",
            yaml: "extends: base.yaml\n" + minimalProfile,
            expected: [#"p.yaml:1:10: extends "base.yaml": no such file (looked for base.yaml)"#]),
        Case(
            name: "YAML nested deeper than the reader allows",
            yaml: "name: t\nx: " + String(repeating: "[", count: 2000) + String(repeating: "]", count: 2000) + "\n",
            expected: [
                "p.yaml:2:5: invalid YAML: lists and mappings nested too deep for the YAML reader; flatten them"
            ]),
        Case(
            name: "a directory as a base profile",
            yaml: "extends: /etc\n" + minimalProfile,
            expected: [#"p.yaml:1:10: extends "/etc": is a directory; name a profile file (.yaml) in it (looked for /etc)"#]),
        Case(
            name: "a device as a base profile, which would be read forever",
            yaml: "extends: /dev/zero\n" + minimalProfile,
            expected: [
                #"p.yaml:1:10: extends "/dev/zero": is not a regular file; a profile is a YAML file (looked for /dev/zero)"#
            ]),
        Case(
            name: "not a mapping",
            yaml: "- name: t\n",
            expected: ["p.yaml:1:1: a profile is a mapping of keys like name, root and kernel; found a list"]),
    ]

    @Test(arguments: cases)
    func reportsExactly(_ testCase: Case) throws {
        let fixture = try ProfileFixture()
        try fixture.write("p.yaml", testCase.yaml)
        // Absolute paths in messages are shown relative to the fixture directory.
        let problems = fixture.problems("p.yaml").map {
            $0.replacingOccurrences(of: "(looked for \(fixture.directory.path)/", with: "(looked for ")
        }
        #expect(problems.sorted() == testCase.expected.sorted())
    }

    @Test func everyProblemIsReportedAtOnce() throws {
        let fixture = try ProfileFixture()
        try fixture.write(
            "p.yaml",
            """
            name: t
            kernal: {}
            root:
              layers:
                - overlay: missing
              size: 12X
            disk:
              esp: 1
              format: vdi

            """)
        let problems = fixture.problems("p.yaml").map {
            $0.components(separatedBy: ": ").prefix(2).joined(separator: ": ")
        }
        #expect(
            problems == [
                "p.yaml:2:1: kernal", #"p.yaml:5:16: root.layers[0].overlay "missing""#,
                #"p.yaml:6:9: root.size "12X""#,
                #"p.yaml:8:8: disk.esp "1""#, #"p.yaml:9:11: disk.format "vdi""#,
            ])
    }
}
