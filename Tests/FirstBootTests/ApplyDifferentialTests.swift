// Our apply against Ignition's files stage on identical roots: the resulting trees must be equal
// (paths, types, modes, owners, contents, link targets, account files, unit files and, after
// `systemctl preset`, enablement), apart from the differences documented in docs/firstboot.md.
import FirstBoot
import Foundation
import TestSupport
import Testing

@Suite struct ApplyDifferentialTests {
    @Test(arguments: Corpus.applyConfigs)
    func sameTreeAsIgnition(_ name: String) throws {
        let bytes = try Corpus.bytes(Corpus.applyDirectory.appendingPathComponent(name + ".ign"))
        let scratch = try TemporaryDirectory("apply-differential")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: scratch.path)
        let referenceRoot = scratch.file("reference")
        let ourRoot = scratch.file("ours")
        try Corpus.makeRoot(referenceRoot, setupFor: name)
        try Corpus.makeRoot(ourRoot, setupFor: name)
        let before = try TreeSnapshot(ourRoot)

        let reference = try Reference.apply(bytes, root: referenceRoot)
        var ourError: FirstBootError?
        do {
            // Values the reference's validator lets through and its files stage then refuses (a user
            // without a name) are refused by our validation, before apply.
            let (config, _) = try ConfigParser.parseValid(bytes, source: name)
            _ = try ConfigApplier.apply(config, root: ourRoot)
        } catch {
            ourError = error
        }

        if name.hasPrefix("fail-") {
            // Both refuse; the reference may have written part of the config, we write nothing.
            #expect(!reference.succeeded, "\(name): the reference applied it:\n\(reference.log)")
            #expect(ourError != nil, "\(name) applied")
            #expect(try TreeSnapshot(ourRoot).differences(to: before) == [], "\(name) wrote before failing")
            return
        }
        #expect(ourError == nil, "\(name): \(ourError?.description ?? "")")
        // Enabling templates and instances makes 2.14 call systemd over D-Bus after writing the
        // presets (it fails without a running systemd); the preset run above completes its work.
        if !name.hasPrefix("units-templates") {
            #expect(reference.succeeded, "\(name): the reference failed:\n\(reference.log)")
        }
        var referenceTree = try TreeSnapshot(referenceRoot)
        var ourTree = try TreeSnapshot(ourRoot)
        Self.normalize(&referenceTree, &ourTree, name: name)
        #expect(referenceTree.differences(to: ourTree) == [], "\(name)")
    }

    /// Applies the documented, intentional differences so the rest can be compared exactly.
    static func normalize(_ reference: inout TreeSnapshot, _ ours: inout TreeSnapshot, name: String) {
        // Kernel arguments: recorded for our boot step; Ignition's kargs stage is separate.
        if let record = ours.entries.removeValue(forKey: String(kernelArgumentsRecordPath.dropFirst())) {
            #expect(name == "kernel-arguments" && record.mode == 0o644)
        }
        // Presets: Ignition writes them in map order; compare them as sets of lines.
        let preset = "etc/systemd/system-preset/20-ignition.preset"
        for index in 0..<2 {
            var tree = index == 0 ? reference : ours
            if var entry = tree.entries[preset], let content = entry.content {
                let lines = String(decoding: content, as: UTF8.self).split(separator: "\n").map {
                    $0.trimmingCharacters(in: .whitespaces)
                }
                entry.content = Data(lines.sorted().joined(separator: "\n").utf8)
                tree.entries[preset] = entry
            }
            if index == 0 { reference = tree } else { ours = tree }
        }
        // Spec 3.4.0 allows setuid/setgid on files; Ignition 2.14 changes the owner after the mode,
        // which clears those bits. We set the mode last.
        if name == "modes-3_4_0" {
            #expect(ours.entries["f-special"]?.mode == 0o6755)
            ours.entries["f-special"]?.mode = 0o755
        }
    }
}
