// Our validator against `ignition-validate` on every config of the corpus: the same verdict, the
// same set of error paths (when the reference gives paths), and every unknown key it reports.
import FirstBoot
import Foundation
import Testing

@Suite struct ValidationDifferentialTests {
    /// Configs on which we deliberately differ from Ignition 2.14 (see docs/firstboot.md).
    static let intentionalDifferences: [String: String] = [
        "invalid-systemd-path-conflict-3_4_0.ign":
            "spec 3.4.0 forbids files at unit paths; Ignition 2.14 only knew 3.4.0-experimental, before that rule"
    ]

    /// Errors slipway reports where Ignition accepts the value (docs/firstboot.md, "Stricter than
    /// Ignition"): per config, each error path and the start of its message. Exactly these are set
    /// aside before comparing; every other error must match the reference's.
    static let stricterThanIgnition: [String: [String: String]] = [
        "invalid-passwd.ign": [
            "$.passwd.users.0.name": "user name is empty", "$.passwd.groups.0.name": "group name is empty",
        ],
        "invalid-stricter-nul-paths.ign": [
            "$.storage.disks.0.device": "device \"/dev/vdb\\u0000\" contains a NUL character",
            "$.storage.filesystems.0.path": "path \"/var/data\\u0000\" contains a NUL character",
            "$.storage.files.0.path": "path \"/etc/hostname\\u0000.bak\" contains a NUL character",
            "$.storage.directories.0.path": "path \"/var/a\\u0000b\" contains a NUL character",
            "$.storage.links.0.path": "path \"/etc/l\\u0000\" contains a NUL character",
            "$.storage.links.1.target": "link target \"/etc/shadow\\u0000\" contains a NUL character",
        ],
        "invalid-stricter-accounts.ign": [
            "$.passwd.users.0.name": "user name \"evil:x:0:0::/:/bin/sh\" contains \":\"",
            "$.passwd.users.1.name": "user name \"../../root\" contains \"/\"",
            "$.passwd.users.2.name": "user name is empty",
            "$.passwd.users.3.name": "user name \"-rf\" starts with \"-\"",
            "$.passwd.users.4.name": "user name \"two words\" contains whitespace",
            "$.passwd.users.5.name": "user name \"..\" is a path component",
            "$.passwd.users.6.name": "user name \"\(String(repeating: "a", count: 33))\" is 33 bytes long",
            "$.passwd.users.7.gecos": "gecos \"Core\\nroot::0:0::/:/bin/sh\" contains a control character",
            "$.passwd.users.7.homeDir": "homeDir \"home/core\" is not an absolute path",
            "$.passwd.users.7.shell": "shell \"/bin/sh:x\" contains \":\"",
            "$.passwd.users.7.passwordHash": "passwordHash contains a control character",
            "$.passwd.users.7.primaryGroup": "group name \"p:q\" contains \":\"",
            "$.passwd.users.7.groups.0": "group name \"wheel,root\" contains \",\"",
            "$.passwd.groups.0.name": "group name \"g,h\" contains \",\"",
            "$.passwd.groups.1.passwordHash": "passwordHash contains \":\"",
        ],
        // Ignition's validator accepts these; its files stage then fails in useradd and groupadd.
        "invalid-stricter-missing-names.ign": [
            "$.passwd.users.0.name": "user has no name", "$.passwd.groups.0.name": "group has no name",
        ],
        "invalid-stricter-kernel-arguments.ign": [
            "$.kernelArguments.shouldExist.1":
                "kernel argument \"x=\\\"\\ninitrd /evil.img\\n\\\"\" contains a control",
            "$.kernelArguments.shouldNotExist.0": "kernel argument \"debug\\u0000\" contains a control",
        ],
        "invalid-stricter-units.ign": [
            "$.systemd.units.0.name": "unit name \"../../evil.service\" contains \"/\"",
            "$.systemd.units.1.dropins.0.name": "drop-in name \"../../../etc/x.conf\" contains \"/\"",
            "$.systemd.units.2.name": "unit name \"a\\u0001.service\" contains a control character",
        ],
    ]

    /// Entries the spec allows and Ignition applies but slipway's first boot cannot set up
    /// (docs/firstboot.md, "Not supported by first boot"): software RAID, LUKS, and filesystem formats
    /// other than ext4, vfat and swap. Set aside like `stricterThanIgnition`.
    static let unsupportedByFirstBoot: [String: [String: String]] = [
        "invalid-filesystems.ign": [
            "$.storage.filesystems.5.format": "unsupported format \"xfs\": slipway's first boot makes",
            "$.storage.filesystems.8.format": "unsupported format \"none\": slipway's first boot makes",
        ],
        "valid-filesystems-3_3_0.ign": [
            "$.storage.filesystems.0.format": "unsupported format \"none\": slipway's first boot makes",
            "$.storage.filesystems.1.format": "unsupported format \"btrfs\": slipway's first boot makes",
        ],
        "invalid-luks-tang-3_4_0.ign": luks(count: 1),
        "invalid-luks.ign": luks(count: 5),
        "invalid-raid-3_4_0.ign": raid(count: 2),
        "invalid-raid.ign": raid(count: 5),
        "valid-full-3_0_0.ign": raid(count: 1),
        "valid-full-3_1_0.ign": raid(count: 1),
        "valid-full-3_2_0.ign": raid(count: 1).merging(luks(count: 1)) { $1 },
        "valid-full-3_3_0.ign": raid(count: 1).merging(luks(count: 1)) { $1 },
        "valid-full-3_4_0.ign": raid(count: 1).merging(luks(count: 1)) { $1 },
    ]

    /// The refusal of each of the first `count` entries of storage.raid.
    static func raid(count: Int) -> [String: String] {
        Dictionary(
            uniqueKeysWithValues: (0..<count).map {
                ("$.storage.raid.\($0)", "software RAID arrays are not supported by slipway's first boot")
            })
    }

    /// The refusal of each of the first `count` entries of storage.luks.
    static func luks(count: Int) -> [String: String] {
        Dictionary(
            uniqueKeysWithValues: (0..<count).map {
                ("$.storage.luks.\($0)", "LUKS volumes are not supported by slipway's first boot")
            })
    }

    @Test(arguments: Corpus.validationConfigs)
    func sameVerdictAsIgnitionValidate(_ name: String) throws {
        let bytes = try Corpus.bytes(Corpus.directory.appendingPathComponent(name))
        let ours = ConfigParser.parse(bytes)
        let reference = try Reference.validate(bytes)
        if let reason = Self.intentionalDifferences[name] {
            #expect(reference.valid, "the reference now rejects \(name); drop it from the table (\(reason))")
            #expect(!ours.isValid, "\(name): \(reason)")
            return
        }
        let stricter = (Self.stricterThanIgnition[name] ?? [:]).merging(Self.unsupportedByFirstBoot[name] ?? [:]) {
            $1
        }
        func isStricter(_ error: Diagnostic) -> Bool {
            stricter[error.path.description].map { error.message.hasPrefix($0) } ?? false
        }
        for (path, message) in stricter.sorted(by: { $0.key < $1.key }) {
            #expect(
                ours.errors.contains { $0.path.description == path && $0.message.hasPrefix(message) },
                "\(name): expected our error at \(path): \(message)…, got \(ours.errors)")
        }
        let compared = ours.errors.filter { !isStricter($0) }
        let ourErrorPaths = Set(compared.map(\.path.description))
        #expect(compared.isEmpty == reference.valid, "\(name): ours \(ours.diagnostics), reference \(reference.output)")
        if !reference.errorPaths.isEmpty {
            #expect(ourErrorPaths == reference.errorPaths, "\(name): reference said \(reference.output)")
        }
        let ourWarningPaths = Set(ours.warnings.map(\.path.description))
        #expect(
            reference.unusedKeyPaths.isSubset(of: ourWarningPaths), "\(name): unknown keys \(reference.unusedKeyPaths)")
        if !ours.isValid {
            // Every error says where it is.
            #expect(ours.errors.allSatisfy { $0.position != nil || name == "invalid-empty.ign" })
        }
    }

    @Test func corpusCoversEveryVersionAndSection() throws {
        var versions: Set<String> = []
        var sections: Set<String> = []
        for name in Corpus.validationConfigs {
            let text = String(decoding: try Corpus.bytes(Corpus.directory.appendingPathComponent(name)), as: UTF8.self)
            for version in ["3.0.0", "3.1.0", "3.2.0", "3.3.0", "3.4.0"] where text.contains("\"\(version)\"") {
                versions.insert(version)
            }
            for section in [
                "storage", "systemd", "passwd", "kernelArguments", "config", "proxy", "security", "luks", "raid",
                "disks", "filesystems",
            ]
            where text.contains("\"\(section)\"") {
                sections.insert(section)
            }
        }
        #expect(versions.count == 5)
        #expect(sections.count == 11)
        #expect(Corpus.validationConfigs.filter { $0.hasPrefix("valid-") }.count >= 10)
        #expect(Corpus.validationConfigs.filter { $0.hasPrefix("invalid-") }.count >= 30)
    }
}
