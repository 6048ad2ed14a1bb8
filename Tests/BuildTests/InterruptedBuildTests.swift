import Build
import Foundation
import TestSupport
import Testing

/// Builds interrupted or killed partway, run as a user runs them: the built `slipway` executable on
/// a root-only profile whose one gzip layer holds 128 MiB, so that the build is still writing the
/// root filesystem image when the signal comes. The test waits for that image's staged file to
/// appear, then signals.
@Suite(.serialized) struct InterruptedBuildTests {
    /// What a root-only build of the fixture writes.
    static let outputNames = ["interrupt.manifest.json", "interrupt.rootfs.ext4", "interrupt.spdx.json"]

    static let epoch: Int64 = 1_700_000_000

    /// A directory with the two layers, the profile, the package cache and the output directory.
    struct Fixture {
        let directory: TemporaryDirectory
        var output: String { directory.file("out") }
        var profile: String { directory.file("interrupt.yaml") }

        init() throws {
            directory = try TemporaryDirectory("interrupt")
            _ = try writeTar([.dir("etc"), .file("etc/os-release", "ID=small\n")], to: directory.file("small.tar"))
            let large = (0..<8).map { Member(name: "data/\($0)", patternSize: 16 << 20) }
            _ = try writeTar([.dir("data")] + large, to: directory.file("large.tar"), compression: .gzip)
            try use("small.tar")
        }

        /// Points the profile's root at `layer`.
        func use(_ layer: String) throws {
            try "name: interrupt\nroot:\n  layers:\n    - tar: \(layer)\n".write(
                toFile: profile, atomically: true, encoding: .utf8)
        }

        /// Builds the profile in this process; returns every output's bytes by name.
        func build(progress: any ProgressReporter = SilentProgress()) throws -> [String: Data] {
            var request = BuildRequest(
                profilePath: profile, outputDirectory: output, cacheDirectory: directory.file("cache"),
                sourceDateEpoch: InterruptedBuildTests.epoch)
            request.rootfsOnly = true
            _ = try Builder(request, progress: progress).build()
            return try outputs()
        }

        /// The directory's files that are not temporaries, by name.
        func outputs() throws -> [String: Data] {
            var files: [String: Data] = [:]
            for name in try FileManager.default.contentsOfDirectory(atPath: output) where !isTemporary(name) {
                files[name] = try Data(contentsOf: URL(fileURLWithPath: output + "/" + name))
            }
            return files
        }

        /// The names in the output directory that a build uses while it runs: `.slipway-*` and `.*.partial-*`.
        func temporaries() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: output)) ?? []).filter(isTemporary).sorted()
        }

        private func isTemporary(_ name: String) -> Bool {
            name.hasPrefix(".slipway-") || (name.hasPrefix(".") && name.dropFirst().contains(".partial-"))
        }

        /// Starts `slipway build` of the profile in the background, with SIGINT ignored from the start
        /// when `ignoringSIGINT` (through sh's `trap "" INT`, which exec keeps).
        func start(ignoringSIGINT: Bool = false) throws -> BackgroundBuild {
            let build = [
                "build", profile, "--output", output, "--rootfs-only", "--cache", directory.file("cache"),
                "--source-date-epoch", "\(InterruptedBuildTests.epoch)",
            ]
            let shell = ["/bin/sh", "-c", "trap '' INT; exec \"$0\" \"$@\""]
            return try BackgroundBuild((ignoringSIGINT ? shell : []) + [BackgroundBuild.slipway] + build, in: directory)
        }

        /// Waits until a build is writing the root filesystem image; returns the temporaries then.
        func waitUntilWriting(_ build: BackgroundBuild) throws -> [String] {
            let deadline = Date().addingTimeInterval(120)
            while Date() < deadline {
                let names = temporaries()
                if names.contains(where: { $0.hasPrefix(".interrupt.rootfs.ext4.partial-") }) { return names }
                guard build.process.isRunning else {
                    throw FixtureError("the build ended before writing its image: \(try build.finish().stderr)")
                }
                usleep(2_000)
            }
            throw FixtureError("the build did not start writing its image within 120 s")
        }
    }

    /// `slipway build` running in the background, its standard error collected in a file.
    final class BackgroundBuild {
        let process = Process()
        private let errors: String

        /// The executable the tests run.
        static var slipway: String { packageRoot().appendingPathComponent(".build/debug/slipway").path }

        /// Starts `command` (the executable first).
        init(_ command: [String], in directory: TemporaryDirectory) throws {
            errors = directory.file("stderr-\(UUID().uuidString)")
            FileManager.default.createFile(atPath: errors, contents: nil)
            process.executableURL = URL(fileURLWithPath: command.first ?? Self.slipway)
            process.arguments = Array(command.dropFirst())
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errors))
            try process.run()
        }

        /// A build a failed test left running is killed, not left writing into a removed directory.
        deinit {
            guard process.isRunning else { return }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        func signal(_ number: Int32) { kill(process.processIdentifier, number) }

        /// Waits for the build to end: how it ended, its exit status or signal, and its standard error.
        func finish() throws -> (reason: Process.TerminationReason, status: Int32, stderr: String) {
            process.waitUntilExit()
            let stderr = try String(contentsOfFile: errors, encoding: .utf8)
            return (process.terminationReason, process.terminationStatus, stderr)
        }
    }

    /// SIGTERM and SIGINT while the image is being written: the build removes every temporary,
    /// exits 128 + the signal and says so; the previous outputs are byte for byte what they were.
    @Test(arguments: [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")])
    func anInterruptedBuildLeavesNothingBehind(_ signal: Int32, _ name: String) throws {
        let fixture = try Fixture()
        let previous = try fixture.build()
        #expect(previous.keys.sorted() == Self.outputNames)
        try fixture.use("large.tar.gz")

        let build = try fixture.start()
        let during = try fixture.waitUntilWriting(build)
        for prefix in [".slipway-content-", ".slipway-images-", ".interrupt.rootfs.ext4.partial-"] {
            #expect(during.contains { $0.hasPrefix(prefix) }, "\(prefix) in \(during)")
        }
        build.signal(signal)
        let ended = try build.finish()

        #expect(ended.reason == .exit && ended.status == 128 + signal, "\(ended)")
        #expect(fixture.temporaries() == [])
        #expect(try fixture.outputs() == previous)
        let message = try #require(ended.stderr.split(separator: "\n").last.map(String.init))
        #expect(message.hasPrefix("slipway build: interrupted by \(name); removed its temporary files ("), "\(message)")
        #expect(message.hasSuffix(" MiB); the outputs in \(fixture.output) are as they were before this build"))
    }

    /// A build started with SIGINT ignored, as a background job of a script is, keeps ignoring it
    /// and finishes.
    @Test func aSIGINTIgnoredFromTheStartStaysIgnored() throws {
        let fixture = try Fixture()
        try fixture.use("large.tar.gz")
        let build = try fixture.start(ignoringSIGINT: true)
        _ = try fixture.waitUntilWriting(build)
        build.signal(SIGINT)
        let ended = try build.finish()
        #expect(ended.reason == .exit && ended.status == 0, "\(ended)")
        #expect(fixture.temporaries() == [])
        #expect(try fixture.outputs().keys.sorted() == Self.outputNames)
    }

    /// A build killed with SIGKILL cannot clean up; the next build into the directory removes what
    /// it left and says how much that was.
    @Test func theNextBuildRemovesWhatAKilledBuildLeft() throws {
        let fixture = try Fixture()
        try fixture.use("large.tar.gz")
        let build = try fixture.start()
        _ = try fixture.waitUntilWriting(build)
        build.signal(SIGKILL)
        let ended = try build.finish()
        #expect(ended.reason == .uncaughtSignal && ended.status == SIGKILL)
        let left = fixture.temporaries()
        for prefix in [".slipway-content-", ".slipway-images-", ".interrupt.rootfs.ext4.partial-"] {
            #expect(left.contains { $0.hasPrefix(prefix) }, "\(prefix) in \(left)")
        }

        try fixture.use("small.tar")
        let progress = NoteRecorder()
        let outputs = try fixture.build(progress: progress)
        #expect(fixture.temporaries() == [])
        #expect(outputs.keys.sorted() == Self.outputNames)
        let note = try #require(progress.notes.first)
        #expect(note.hasPrefix("removed \(left.count) temporaries ("), "\(note)")
        #expect(note.hasSuffix(" MiB) left by an interrupted build"), "\(note)")
        // The spill file alone held the 128 MiB layer's contents.
        let mebibytes = Double(note.split(separator: "(")[1].split(separator: " ")[0]) ?? 0
        #expect(mebibytes >= 128, "\(note)")
    }

    /// A second build into a directory a build is writing fails at once, naming the directory, and
    /// leaves the first build alone.
    @Test func aConcurrentBuildIntoTheSameDirectoryIsRefused() throws {
        let fixture = try Fixture()
        try fixture.use("large.tar.gz")
        let first = try fixture.start()
        _ = try fixture.waitUntilWriting(first)

        let second = try fixture.start().finish()
        #expect(second.reason == .exit && second.status == 1)
        #expect(
            second.stderr
                == "slipway build: \(fixture.output): claim the output directory: another slipway build is writing "
                + "into it now; wait for that build to finish, or build into another directory (--output)\n")

        let ended = try first.finish()
        #expect(ended.reason == .exit && ended.status == 0, "\(ended.stderr)")
        #expect(fixture.temporaries() == [])
        #expect(try fixture.outputs().keys.sorted() == Self.outputNames)
    }
}
