import Build
import Foundation
import Profile
import TestSupport
import Testing

/// Contents too large for their partition or image stop the build with the profile key to change
/// (file:line:col), both sizes and the output name, before the disk is written; the output
/// directory keeps its previous files and gets no leftovers.
@Suite(.serialized) struct BuildSizeCheckTests {
    /// Previous outputs in the output directory, which a failed build must leave exactly as they are.
    static let previousOutputs = [
        "minimal.img", "minimal.initrd.img", "minimal.manifest.json", "minimal.rootfs.ext4", "minimal.vmlinuz",
    ]

    /// Records the phases a build started, to show where it stopped.
    final class PhaseRecorder: ProgressReporter, @unchecked Sendable {
        private let lock = NSLock()
        private var started: [String] = []
        var phases: [String] { lock.withLock { started } }
        func phase(_ name: String) { lock.withLock { started.append(name) } }
        func advance(_ detail: String, done: Int, total: Int) {}
        func finish(_ summary: String) {}
    }

    /// Builds `yaml` (written to `p.yaml`) into an output directory holding `previousOutputs` and
    /// returns the error's text, the profile's path and the phases started; checks the directory is unchanged.
    private func failingBuild(_ yaml: String, in dir: TemporaryDirectory) throws -> (
        message: String, profile: String, phases: [String]
    ) {
        let profile = dir.file("p.yaml")
        try yaml.write(toFile: profile, atomically: true, encoding: .utf8)
        let output = dir.file("out")
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        for name in Self.previousOutputs {
            try Data("previous \(name)\n".utf8).write(to: URL(fileURLWithPath: output + "/" + name))
        }
        let recorder = PhaseRecorder()
        let request = BuildRequest(
            profilePath: profile, outputDirectory: output, cacheDirectory: BuildPipelineTests.cache,
            initrdExecutable: try Fixtures.initrdExecutable())
        var message = ""
        do {
            _ = try Builder(request, progress: recorder).build()
            Issue.record("the build succeeded")
        } catch {
            message = "\(error)"
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: output).sorted()
        #expect(names == Self.previousOutputs, "the output directory changed: \(names)")
        for name in Self.previousOutputs {
            let contents = try String(contentsOfFile: output + "/" + name, encoding: .utf8)
            #expect(contents == "previous \(name)\n", "\(name) was replaced")
        }
        return (message, profile, recorder.phases)
    }

    /// Matches `text` against `template`, where each `#` stands for a number (`53`, `52.3`), and
    /// returns the numbers; records an issue when it does not match.
    private func numbers(in text: String, template: String) -> [Double] {
        let pattern =
            "^"
            + template.split(separator: "#", omittingEmptySubsequences: false)
            .map { NSRegularExpression.escapedPattern(for: String($0)) }.joined(separator: "([0-9]+(?:\\.[0-9]+)?)")
            + "$"
        guard let regex = try? NSRegularExpression(pattern: pattern),
            let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text))
        else {
            Issue.record("message\n  \(text)\ndoes not match\n  \(template)")
            return []
        }
        return (1..<match.numberOfRanges).compactMap { index in
            Range(match.range(at: index), in: text).flatMap { Double(text[$0]) }
        }
    }

    private var minimal: String { packageRoot().appendingPathComponent("profiles/minimal.yaml").path }

    @Test func espTooSmallForTheBootFilesStopsBeforeTheRootFilesystem() throws {
        let dir = try TemporaryDirectory()
        // The real kernel padded to 48 MiB, so slot A's files outgrow the smallest ESP.
        let unpacked = dir.file("kernel")
        #expect(try runTool(["dpkg-deb", "-x", try Fixtures.kernelPackage(), unpacked]).status == 0)
        let release = try #require(try FileManager.default.contentsOfDirectory(atPath: unpacked + "/lib/modules").first)
        let padded = dir.file("vmlinuz")
        try FileManager.default.copyItem(atPath: "\(unpacked)/boot/vmlinuz-\(release)", toPath: padded)
        #expect(try runTool(["truncate", "-s", "48M", padded]).status == 0)
        let (message, profile, phases) = try failingBuild(
            """
            name: minimal
            extends: \(minimal)
            kernel:
              package: null
              files:
                image: \(padded)
                modules-dir: \(unpacked)/lib/modules/\(release)
            disk:
              esp: 40MiB
            """, in: dir)
        let found = numbers(
            in: message,
            template: "\(profile):9:8: disk.esp \"40MiB\": the ESP's files (systemd-boot, and slot A's kernel, initrd "
                + "and loader entry) and the FAT filesystem's tables take # MiB (# bytes) but the partition is "
                + "40 MiB; set disk.esp to at least #MiB")
        if found.count == 3 {
            // The padded kernel alone is 48 MiB; the suggestion is the need rounded up to whole MiB.
            #expect(found[1] > Double(48 << 20))
            #expect(found[2] == (found[1] / Double(1 << 20)).rounded(.up))
        }
        #expect(!phases.contains("write root filesystem"), "\(phases)")
    }

    @Test func rootFilesystemLargerThanAFixedSlotStopsBeforeTheDisk() throws {
        let dir = try TemporaryDirectory()
        let (message, profile, phases) = try failingBuild(
            """
            name: minimal
            extends: \(minimal)
            disk:
              root: 1MiB
            """, in: dir)
        let found = numbers(
            in: message,
            template: "\(profile):4:9: disk.root \"1MiB\": the root filesystem minimal.rootfs.ext4 is # MiB but each "
                + "root slot is 1 MiB; set disk.root to at least #MiB or to auto")
        if found.count == 2 {
            #expect(found[0] > 1 && found[0] == found[1])
        }
        #expect(phases.last == "disk", "\(phases)")
    }

    @Test func treeLargerThanAFixedRootSizeNamesTheKeyAndTheOutput() throws {
        let dir = try TemporaryDirectory()
        let (message, profile, phases) = try failingBuild(
            """
            name: minimal
            extends: \(minimal)
            root:
              size: 1MiB
            """, in: dir)
        let found = numbers(
            in: message,
            template: "\(profile):4:9: root.size \"1MiB\": the root filesystem minimal.rootfs.ext4 needs # MiB "
                + "(# bytes) of data and metadata but a 1MiB image has # MiB (# bytes) free; "
                + "raise root.size or set it to auto")
        if found.count == 4 {
            #expect(found[1] > found[3])
        }
        #expect(phases.last == "write root filesystem", "\(phases)")
    }
}
