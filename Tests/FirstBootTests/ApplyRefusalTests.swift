// Apply refuses what the validator refuses (docs/firstboot.md, "Stricter than Ignition") on its own:
// the root, the account files and the unit writer check the values they are given, because configs
// merged or fetched at boot reach apply too. Every refusal leaves the root as it was.
import Foundation
import TestSupport
import Testing

@testable import FirstBoot

@Suite struct ApplyRefusalTests {
    static let version = #"{"ignition":{"version":"3.4.0"},"#

    /// A root with /etc/hostname, /etc/passwd, /etc/group and /etc/shadow.
    static func makeRoot(_ scratch: TemporaryDirectory) throws -> String {
        let root = scratch.file("root")
        try FileManager.default.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
        let files = [
            "hostname": "original\n", "passwd": "root:x:0:0:root:/root:/bin/sh\n", "group": "root:x:0:\n",
            "shadow": "root:*:19000:0:99999:7:::\n",
        ]
        for (name, text) in files { try Data(text.utf8).write(to: URL(fileURLWithPath: root + "/etc/" + name)) }
        return root
    }

    @Test func aPathWithANULIsRefusedNotCut() throws {
        let scratch = try TemporaryDirectory("refuse-nul")
        let root = try ApplyRefusalTests.makeRoot(scratch)
        let before = try TreeSnapshot(root)
        let text =
            ApplyRefusalTests.version
            + #""storage":{"files":[{"path":"/etc/hostname\u0000.bak","overwrite":true,"contents":{"source":"data:,pwned"}}]}}"#
        let config = try TemporaryFile(Array(text.utf8), name: "nul.ign")
        let result = try FirstbootCommandTests.run(["apply", config.path, "--root", root])
        #expect(result.status == 1)
        #expect(result.stderr.contains(#"$.storage.files.0.path: path "/etc/hostname\u0000.bak" contains a NUL"#))
        // Configs built in code, and apply's own path resolution, refuse it too.
        var built = Config()
        built.ignition.version = "3.4.0"
        built.storage.files = [File(path: "/etc/hostname\u{0}.bak")]
        built.storage.files[0].overwrite = true
        built.storage.files[0].contents = Resource(source: "data:,pwned")
        #expect(throws: FirstBootError.self) { try ConfigApplier.apply(built, root: root) }
        let resolved = try #require(throws: FirstBootError.self) {
            try RootDirectory(root).resolve("/etc/hostname\u{0}.bak")
        }
        #expect(resolved.message.contains("contains a NUL"))
        #expect(try TreeSnapshot(root).differences(to: before) == [])
    }

    @Test(arguments: [
        (PasswdUser(name: "evil:x:0:0::/:/bin/sh"), "name: user name \"evil:x:0:0::/:/bin/sh\" contains \":\""),
        (PasswdUser(name: "../../root"), "contains \"/\""),
        (PasswdUser(name: "core\nroot"), "control character"),
        (ApplyRefusalTests.user("core", gecos: "a\nroot::0:0::/:/bin/sh"), "gecos"),
        (ApplyRefusalTests.user("core", home: "/home/x:0"), "homeDir"),
        (ApplyRefusalTests.user("core", shell: "sh"), "shell \"sh\" is not an absolute path"),
        (ApplyRefusalTests.user("core", hash: "$6$x:0"), "passwordHash contains \":\""),
    ])
    func accountFilesRefuseValuesThatStartAnotherFieldOrLine(_ user: PasswdUser, _ reason: String) throws {
        let scratch = try TemporaryDirectory("refuse-account")
        let root = try ApplyRefusalTests.makeRoot(scratch)
        var database = try AccountDatabase(root: RootDirectory(root), today: 20000)
        let original = database.files
        var effects = AccountEffects()
        let error = try #require(throws: FirstBootError.self) { try database.ensureUser(user, effects: &effects) }
        #expect(error.message.contains(reason), "\(error)")
        #expect(database.files == original)
        #expect(throws: FirstBootError.self) { try database.deleteUser("../../root", effects: &effects) }
        #expect(throws: FirstBootError.self) { try database.addGroup(PasswdGroup(name: "wheel,root")) }
        #expect(throws: FirstBootError.self) { try database.deleteGroup("") }
    }

    static func user(
        _ name: String, gecos: String? = nil, home: String? = nil, shell: String? = nil, hash: String? = nil
    ) -> PasswdUser {
        var user = PasswdUser(name: name)
        user.gecos = gecos
        user.homeDir = home
        user.shell = shell
        user.passwordHash = hash
        return user
    }

    @Test func namesInRealUseAreWrittenAsGiven() throws {
        let scratch = try TemporaryDirectory("account-names")
        let root = try ApplyRefusalTests.makeRoot(scratch)
        let names = ["core", "my.user", "svc_1", "user-name", "Admin", "ws01$"]
        let users = names.map { #"{"name":"\#($0)","noCreateHome":true}"# }.joined(separator: ",")
        _ = try ApplyTests.apply(
            ApplyRefusalTests.version + #""passwd":{"users":[\#(users)],"groups":[{"name":"my.group"}]}}"#, root: root)
        let passwd = try String(contentsOfFile: root + "/etc/passwd", encoding: .utf8).split(separator: "\n")
        #expect(passwd.dropFirst().map { String($0.split(separator: ":")[0]) } == names)
        #expect(passwd.allSatisfy { $0.split(separator: ":", omittingEmptySubsequences: false).count == 7 })
        #expect(try String(contentsOfFile: root + "/etc/group", encoding: .utf8).contains("\nmy.group:"))
    }

    @Test func emptyHomeAndShellAreNotWritten() throws {
        let scratch = try TemporaryDirectory("account-empty")
        let root = try ApplyRefusalTests.makeRoot(scratch)
        _ = try ApplyTests.apply(
            ApplyRefusalTests.version
                + #""passwd":{"users":[{"name":"core","homeDir":"","shell":"","noCreateHome":true}]}}"#, root: root)
        let passwd = try String(contentsOfFile: root + "/etc/passwd", encoding: .utf8)
        #expect(passwd.contains("\ncore:x:1000:100::/home/core:/bin/bash\n"), "\(passwd)")
    }

    @Test(arguments: [
        (FirstBoot.Unit(name: "../../evil.service"), "write unit", "contains \"/\""),
        (FirstBoot.Unit(name: "evil"), "write unit", "has no unit type suffix"),
        (
            ApplyRefusalTests.unit("ok.service", dropins: [Dropin(name: "../x.conf", contents: "[Unit]\n")]),
            "write drop-in", "contains \"/\""
        ),
    ])
    func unitWriterRefusesNamesOutsideTheUnitDirectory(_ unit: FirstBoot.Unit, _ operation: String, _ reason: String)
        throws
    {
        let scratch = try TemporaryDirectory("refuse-unit")
        let root = try ApplyRefusalTests.makeRoot(scratch)
        var config = Config()
        config.ignition.version = "3.4.0"
        config.systemd.units = [unit]
        var report = ApplyReport()
        let error = try #require(throws: FirstBootError.self) {
            _ = try Plan(config: config, root: RootDirectory(root), options: ApplyOptions(), report: &report)
        }
        #expect(error.operation == operation)
        #expect(error.message.contains(reason), "\(error)")
    }

    static func unit(_ name: String, contents: String? = nil, dropins: [Dropin] = []) -> FirstBoot.Unit {
        var unit = FirstBoot.Unit(name: name)
        unit.contents = contents
        unit.dropins = dropins
        return unit
    }

    @Test func kernelArgumentsThatWouldEndTheOptionsLineAreRefused() throws {
        let scratch = try TemporaryDirectory("refuse-kargs")
        let root = try ApplyRefusalTests.makeRoot(scratch)
        var config = Config()
        config.ignition.version = "3.4.0"
        config.kernelArguments.shouldExist = ["quiet", "x=\"\ninitrd /evil.img\n\""]
        var report = ApplyReport()
        let error = try #require(throws: FirstBootError.self) {
            _ = try Plan(config: config, root: RootDirectory(root), options: ApplyOptions(), report: &report)
        }
        #expect(error.subject == "$.kernelArguments.shouldExist.1")
        #expect(error.message.contains("one line of printable text"))
    }

    @Test(arguments: ["Alias=../../../etc/evil.service", "WantedBy=../../x.target", "Also=../evil.service"])
    func installValuesThatAreNotUnitNamesAreRefused(_ line: String) throws {
        let scratch = try TemporaryDirectory("refuse-install")
        let root = try ApplyRefusalTests.makeRoot(scratch)
        let before = try TreeSnapshot(root)
        let contents = #"[Service]\nExecStart=/bin/true\n[Install]\n\#(line)\n"#
        let error = try #require(throws: FirstBootError.self) {
            try ApplyTests.apply(
                ApplyRefusalTests.version
                    + #""systemd":{"units":[{"name":"web.service","enabled":true,"contents":"\#(contents)"}]}}"#,
                root: root)
        }
        #expect(error.operation == "enable unit")
        #expect(error.message.contains("fix the unit's [Install] section"), "\(error)")
        #expect(try TreeSnapshot(root).differences(to: before) == [])
    }

    /// A unit in the root that systemd's parser would not read is not enabled by a guess at its
    /// [Install] section: apply stops and names it.
    @Test func aRootUnitThatDoesNotParseIsNotEnabled() throws {
        let scratch = try TemporaryDirectory("refuse-unparsed-unit")
        let root = try ApplyRefusalTests.makeRoot(scratch)
        let units = root + "/etc/systemd/system"
        try FileManager.default.createDirectory(atPath: units, withIntermediateDirectories: true)
        try Data("[Service]\nExecStart\n[Install]\nWantedBy=multi-user.target\n".utf8).write(
            to: URL(fileURLWithPath: units + "/web.service"))
        let before = try TreeSnapshot(root)
        let error = try #require(throws: FirstBootError.self) {
            try ApplyTests.apply(
                ApplyRefusalTests.version + #""systemd":{"units":[{"name":"web.service","enabled":true}]}}"#, root: root
            )
        }
        #expect(error.subject.hasSuffix("/etc/systemd/system/web.service"), "\(error)")
        #expect(error.message.contains("cannot read its [Install] section"), "\(error)")
        #expect(try TreeSnapshot(root).differences(to: before) == [])
    }
}
