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

    @Test(arguments: Corpus.validationConfigs)
    func sameVerdictAsIgnitionValidate(_ name: String) throws {
        let bytes = try Corpus.bytes(Corpus.directory.appendingPathComponent(name))
        let ours = ConfigParser.parse(bytes)
        let reference = try Reference.validate(bytes)
        let ourErrorPaths = Set(ours.errors.map(\.path.description))
        if let reason = Self.intentionalDifferences[name] {
            #expect(reference.valid, "the reference now rejects \(name); drop it from the table (\(reason))")
            #expect(!ours.isValid, "\(name): \(reason)")
            return
        }
        #expect(ours.isValid == reference.valid, "\(name): ours \(ours.diagnostics), reference \(reference.output)")
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
