// Rendering Butane-style YAML: field mapping, conveniences, YAML positions in errors, and the
// output accepted by ignition-validate.
import Butane
import FirstBoot
import Foundation
import TestSupport
import Testing

@Suite struct ButaneRenderTests {
    static let sample = """
        variant: fcos
        version: 1.4.0
        passwd:
          users:
            - name: core
              ssh_authorized_keys: [ssh-ed25519 AAAA core]
              ssh_authorized_keys_local: [keys.txt]
              home_dir: /var/home/core
        storage:
          disks:
            - device: /dev/vdb
              partitions:
                - label: data
                  size_mib: 512
                  type_guid: 0FC63DAF-8483-4772-8E79-3D69D8477DE4
          files:
            - path: /etc/hostname
              mode: 0644
              contents:
                inline: "box {1}\\n"
            - path: /etc/app.conf
              mode: 0o600
              contents:
                local: app.conf
              append:
                - inline: tail
          links:
            - path: /etc/localtime
              target: ../usr/share/zoneinfo/UTC
        systemd:
          units:
            - name: hello.service
              enabled: true
              contents_local: hello.service
              dropins:
                - name: 10-env.conf
                  contents: "[Service]\\nEnvironment=A=1\\n"
        kernel_arguments:
          should_exist: [console=ttyS0]
        """

    static func filesDirectory() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory("butane-files")
        try Data("ssh-rsa BBBB one\n\nssh-rsa CCCC two\n".utf8).write(
            to: URL(fileURLWithPath: directory.file("keys.txt")))
        try Data("key = value\n".utf8).write(to: URL(fileURLWithPath: directory.file("app.conf")))
        try Data("[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n".utf8)
            .write(to: URL(fileURLWithPath: directory.file("hello.service")))
        return directory
    }

    @Test func rendersEveryConvenience() throws {
        let files = try ButaneRenderTests.filesDirectory()
        let result = try ButaneRenderer.render(ButaneRenderTests.sample, filesDirectory: files.path)
        let config = result.config
        #expect(config.version == .v3_3)
        #expect(
            config.passwd.users[0].sshAuthorizedKeys == [
                "ssh-ed25519 AAAA core", "ssh-rsa BBBB one", "ssh-rsa CCCC two",
            ])
        #expect(config.passwd.users[0].homeDir == "/var/home/core")
        #expect(config.storage.disks[0].partitions[0].sizeMiB == 512)
        #expect(config.storage.disks[0].partitions[0].typeGuid == "0FC63DAF-8483-4772-8E79-3D69D8477DE4")
        #expect(config.storage.files[0].mode == 0o644)
        #expect(config.storage.files[1].mode == 0o600)
        let hostname = try DataURL.decode(try #require(config.storage.files[0].contents.source)).get()
        #expect(String(decoding: hostname.bytes, as: UTF8.self) == "box {1}\n")
        let appConf = try DataURL.decode(try #require(config.storage.files[1].contents.source)).get()
        #expect(String(decoding: appConf.bytes, as: UTF8.self) == "key = value\n")
        #expect(config.storage.files[1].append.count == 1)
        #expect(config.systemd.units[0].contents?.hasPrefix("[Service]") == true)
        #expect(config.systemd.units[0].dropins[0].contents == "[Service]\nEnvironment=A=1\n")
        #expect(config.kernelArguments.shouldExist == ["console=ttyS0"])
        #expect(result.warnings.isEmpty)

        // The independent validator accepts what we render.
        let rendered = try TemporaryFile(Array(result.json.utf8), name: "rendered.ign")
        let reference = try runTool(["ignition-validate", rendered.path])
        #expect(reference.status == 0, "\(reference.stdout)\(reference.stderr)")
    }

    @Test(
        arguments: [
            ("variant: fcos\nversion: 1.4.0\nstorage:\n  files:\n    - path: relative\n", "5:13", "path not absolute"),
            ("variant: fcos\nversion: 9.9.9\n", nil, "fcos version must be one of"),
            ("variant: rhcos\nversion: 1.0.0\n", nil, "variant must be one of"),
            ("variant: fcos\nversion: 1.4.0\nboot_device:\n  mirror: {}\n", "3:1", "boot_device is not supported"),
            (
                "variant: fcos\nversion: 1.4.0\nstorage:\n  files:\n    - path: /a\n      contents: {inline: x, source: 'data:,y'}\n",
                "6:17", "give only one of"
            ),
            (
                "variant: fcos\nversion: 1.4.0\nstorage:\n  files:\n    - path: /a\n      contents: {local: ../../etc/passwd}\n",
                "6:25", "pass --files-dir"
            ),
            ("variant: fcos\nversion: 1.4.0\nstorage: [", nil, "invalid YAML"),
        ] as [(String, String?, String)])
    func errorsPointIntoTheYAML(_ yaml: String, _ position: String?, _ message: String) {
        do {
            _ = try ButaneRenderer.render(yaml)
            Issue.record("rendered")
        } catch {
            #expect(error.position?.description == position)
            let text = error.message + error.diagnostics.map(\.message).joined()
            #expect(text.contains(message), "\(error)")
        }
    }

    @Test func localFilesMayNotLeaveTheFilesDirectory() throws {
        let files = try ButaneRenderTests.filesDirectory()
        let yaml =
            "variant: fcos\nversion: 1.4.0\nstorage:\n  files:\n    - path: /a\n      contents: {local: ../escape}\n"
        let error = try #require(throws: ButaneError.self) {
            try ButaneRenderer.render(yaml, filesDirectory: files.path)
        }
        #expect(error.message.contains("outside the files directory"))
    }

    /// Nested aliases that stand for millions of values are refused before the converter walks them
    /// (they ran until the fuzzer's time limit); a few aliases still render.
    @Test func aliasBombsAreRefusedBeforeConverting() throws {
        let levels = Array("abcdef").map(String.init)
        var lines = ["variant: fcos", "version: 1.5.0", "a: &a [x, x, x, x, x, x, x, x, x]"]
        for (below, level) in zip(levels, levels.dropFirst()) {
            lines.append("\(level): &\(level) [" + Array(repeating: "*" + below, count: 9).joined(separator: ", ") + "]")
        }
        let error = try #require(throws: ButaneError.self) { try ButaneRenderer.render(lines.joined(separator: "\n")) }
        #expect(error.message.hasPrefix("the YAML expands to more than 100000 values"), "\(error)")
        #expect(error.position != nil)

        let few = "variant: fcos\nversion: 1.5.0\nstorage:\n  directories:\n"
            + "    - {path: /var/a, mode: &m 0750}\n    - {path: /var/b, mode: *m}\n"
        #expect(try ButaneRenderer.render(few).config.storage.directories.map(\.mode) == [0o750, 0o750])
    }

    @Test func unknownKeysAreWarningsWithYAMLPositions() throws {
        let result = try ButaneRenderer.render(
            "variant: flatcar\nversion: 1.1.0\nstorage:\n  files:\n    - path: /a\n      colour: red\n")
        #expect(result.config.version == .v3_4)
        #expect(result.warnings.map(\.path.description) == ["$.storage.files.0.colour"])
        #expect(result.warnings.first?.position?.line == 6)
    }
}
