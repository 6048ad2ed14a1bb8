// Apply behaviour beyond the reference comparison: confinement to the root, nothing written on
// failure, kernel argument records, storage devices, and enablement checked against systemctl.
import FirstBoot
import Foundation
import TestSupport
import Testing

@Suite struct ApplyTests {
    static func apply(_ text: String, root: String, options: ApplyOptions = ApplyOptions()) throws -> ApplyReport {
        let (config, _) = try ConfigParser.parseValid(Array(text.utf8), source: "test.ign")
        return try ConfigApplier.apply(config, root: root, options: options)
    }

    @Test func linksInTheRootNeverLeadOutOfIt() throws {
        let scratch = try TemporaryDirectory("apply-confined")
        let root = scratch.file("root")
        let outside = scratch.file("outside")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root + "/abs", withDestinationPath: outside)
        try FileManager.default.createSymbolicLink(atPath: root + "/up", withDestinationPath: "../../../../..")
        try FileManager.default.createSymbolicLink(atPath: root + "/loop", withDestinationPath: "/loop")
        _ = try ApplyTests.apply(
            #"""
            {"ignition":{"version":"3.3.0"},"storage":{
              "files":[{"path":"/abs/a","contents":{"source":"data:,a"}},{"path":"/up/etc/b","contents":{"source":"data:,b"}}],
              "links":[{"path":"/up/c","target":"/abs/a","hard":true,"overwrite":true}],
              "directories":[{"path":"/abs/dir/sub"}]}}
            """#, root: root)
        #expect(!FileManager.default.fileExists(atPath: outside))
        #expect(try String(contentsOfFile: root + outside + "/a", encoding: .utf8) == "a")
        #expect(try String(contentsOfFile: root + "/etc/b", encoding: .utf8) == "b")
        #expect(FileManager.default.fileExists(atPath: root + outside + "/dir/sub"))
        #expect(try String(contentsOfFile: root + "/c", encoding: .utf8) == "a")
        let loop = try #require(throws: FirstBootError.self) {
            try ApplyTests.apply(
                #"{"ignition":{"version":"3.3.0"},"storage":{"files":[{"path":"/loop/x"}]}}"#, root: root)
        }
        #expect(loop.message.contains("too many levels of symbolic links"))
    }

    @Test func aFailingEntryMeansNothingIsWritten() throws {
        let scratch = try TemporaryDirectory("apply-atomic")
        let root = scratch.path
        let before = try TreeSnapshot(root)
        let error = try #require(throws: FirstBootError.self) {
            try ApplyTests.apply(
                #"""
                {"ignition":{"version":"3.3.0"},
                 "passwd":{"users":[{"name":"core","sshAuthorizedKeys":["ssh-ed25519 AAAA"]}]},
                 "systemd":{"units":[{"name":"a.service","contents":"[Service]\nExecStart=/bin/true\n"}]},
                 "storage":{"files":[{"path":"/etc/a","contents":{"source":"data:,a"}},
                   {"path":"/etc/b","user":{"name":"nobody-here"}}]}}
                """#, root: root)
        }
        #expect(error.subject == "$.storage.files.1 (/etc/b)")
        #expect(error.message.contains("no user \"nobody-here\""))
        #expect(try TreeSnapshot(root).differences(to: before) == [])
    }

    @Test func theRootItselfIsNeverReplaced() throws {
        let scratch = try TemporaryDirectory("apply-root")
        try Data("keep".utf8).write(to: URL(fileURLWithPath: scratch.file("keep")))
        for entry in [
            #"{"files":[{"path":"/","overwrite":true,"contents":{"source":"data:,x"}}]}"#,
            #"{"directories":[{"path":"/","overwrite":true}]}"#,
            #"{"links":[{"path":"/","target":"/x","overwrite":true}]}"#,
        ] {
            let error = try #require(throws: FirstBootError.self) {
                try ApplyTests.apply(#"{"ignition":{"version":"3.3.0"},"storage":\#(entry)}"#, root: scratch.path)
            }
            #expect(error.message == "refusing to replace the root directory itself")
        }
        #expect(FileManager.default.fileExists(atPath: scratch.file("keep")))
    }

    @Test func configsBuiltInCodeAreValidatedBeforeApplying() throws {
        let scratch = try TemporaryDirectory("apply-unvalidated")
        var config = Config()
        config.ignition.version = "3.3.0"
        config.storage.files = [File(path: "relative/path")]
        let error = try #require(throws: FirstBootError.self) { try ConfigApplier.apply(config, root: scratch.path) }
        #expect(error.diagnostics.map(\.message) == ["path not absolute"])
    }

    @Test func kernelArgumentsAreRecordedForTheBootStep() throws {
        let scratch = try TemporaryDirectory("apply-kargs")
        _ = try ApplyTests.apply(
            #"{"ignition":{"version":"3.3.0"},"kernelArguments":{"shouldExist":["console=ttyS0","a b"],"shouldNotExist":["quiet"]}}"#,
            root: scratch.path)
        let record = try #require(
            ConfigParserTests.jsonObject(
                try Data(contentsOf: URL(fileURLWithPath: scratch.path + kernelArgumentsRecordPath))))
        #expect(record["shouldExist"] as? [String] == ["console=ttyS0", "a b"])
        #expect(record["shouldNotExist"] as? [String] == ["quiet"])
    }

    @Test func storageDevicesFailUnlessIgnored() throws {
        let scratch = try TemporaryDirectory("apply-devices")
        let text =
            #"{"ignition":{"version":"3.3.0"},"storage":{"filesystems":[{"device":"/dev/vdb","format":"ext4","path":"/var"}]}}"#
        let error = try #require(throws: FirstBootError.self) { try ApplyTests.apply(text, root: scratch.path) }
        #expect(error.message.contains("--ignore-devices"))
        let report = try ApplyTests.apply(text, root: scratch.path, options: ApplyOptions(ignoreStorageDevices: true))
        #expect(report.warnings.first?.contains("storage.filesystems") == true)
        // The initrd sets up disks and filesystems itself; RAID and LUKS stay refused, by the
        // validation apply runs on every config, parsed or built in code.
        let setUp = try ApplyTests.apply(text, root: scratch.path, options: ApplyOptions(devicesSetUp: true))
        #expect(setUp.warnings.isEmpty)
        var luks = Config()
        luks.ignition.version = "3.3.0"
        luks.storage.luks = [Luks(name: "secret")]
        luks.storage.luks[0].device = "/dev/vdb"
        let refused = try #require(throws: FirstBootError.self) {
            try ConfigApplier.apply(luks, root: scratch.path, options: ApplyOptions(devicesSetUp: true))
        }
        #expect(refused.diagnostics.map(\.path.description) == ["$.storage.luks.0"])
        #expect(refused.diagnostics.map(\.message) == [StorageSupport.luksProblem])
    }

    /// Our enablement symlinks are exactly what `systemctl preset` makes from our preset file.
    @Test(arguments: ["units", "units-templates", "units-disable"])
    func enablementMatchesSystemctl(_ name: String) throws {
        let scratch = try TemporaryDirectory("apply-units")
        let ours = scratch.file("ours")
        let presetRun = scratch.file("systemctl")
        try Corpus.makeRoot(ours, setupFor: name)
        let bytes = try Corpus.bytes(Corpus.applyDirectory.appendingPathComponent(name + ".ign"))
        let (config, _) = try ConfigParser.parseValid(bytes, source: name)
        _ = try ConfigApplier.apply(config, root: ours)
        try runTool(["cp", "-a", ours, presetRun])
        let presets = try String(
            contentsOfFile: ours + "/etc/systemd/system-preset/20-ignition.preset", encoding: .utf8)
        let units = presets.split(separator: "\n").compactMap {
            $0.split(separator: " ").dropFirst().first.map(String.init)
        }
        let result = try runTool(["systemctl", "--root=\(presetRun)", "preset"] + units)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try TreeSnapshot(presetRun).differences(to: try TreeSnapshot(ours)) == [])
    }
}

extension ConfigParserTests {
    static func jsonObject(_ data: Data) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }
}
