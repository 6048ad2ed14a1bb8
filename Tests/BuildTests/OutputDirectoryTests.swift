import Foundation
import TemporaryFiles
import TestSupport
import Testing

@testable import Build

/// A build owns its output directory: a second claim fails while the first holds it, and the holder
/// removes what killed builds left there, and only that.
struct OutputDirectoryTests {
    @Test func aSecondClaimFailsUntilTheFirstIsReleased() throws {
        let directory = try TemporaryDirectory("claim")
        let output = directory.file("out")
        let first = try OutputDirectory(claiming: output, progress: NoteRecorder())
        let error = try #require(throws: BuildError.self) {
            _ = try OutputDirectory(claiming: output, progress: NoteRecorder())
        }
        #expect(
            error.description
                == "\(output): claim the output directory: another slipway build is writing into it now; "
                + "wait for that build to finish, or build into another directory (--output)")
        first.release()
        let second = try OutputDirectory(claiming: output, progress: NoteRecorder())
        second.release()
    }

    /// Every temporary an earlier build may leave (spill file, scratch and image directories, staged
    /// outputs, a writer's partial file of a staged output, the journal's own partial file) is
    /// removed; the outputs and files of other programs stay.
    @Test func theHolderRemovesStaleTemporariesAndKeepsTheRest() throws {
        let directory = try TemporaryDirectory("claim")
        let stale = [
            ".slipway-content-Ab12Cd", ".slipway-scratch-0A1B2C3D/esp.img", ".slipway-images-Xy9z8W/1.tar",
            ".p.img.partial-0A1B2C3D", "..p.img.partial-0A1B2C3D.partial-42", ".slipway-commit.partial-77",
        ]
        let kept = ["p.img", "p.manifest.json", ".hidden", "notes.partial-1", ".slipway-other"]
        for name in stale + kept {
            let url = URL(fileURLWithPath: directory.file(name))
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(repeating: 7, count: 1 << 20).write(to: url)
        }
        let progress = NoteRecorder()
        let claim = try OutputDirectory(claiming: directory.path, progress: progress)
        defer { claim.release() }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == kept.sorted())
        // Six files of 1 MiB, and the two directories' few blocks.
        #expect(progress.notes == ["removed 6 temporaries (6.0 MiB) left by an interrupted build"])
    }

    /// What an interruption removes: every registered file and directory, whatever is in it.
    @Test func removeAllForExitDeletesEveryRegisteredPath() throws {
        let directory = try TemporaryDirectory("registry")
        let registry = TemporaryRegistry()
        let file = directory.file(".p.img.partial-1")
        let folder = directory.file(".slipway-scratch-1")
        try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
        for path in [file, folder + "/a", folder + "/sub/b"] {
            try Data(repeating: 1, count: 8192).write(to: URL(fileURLWithPath: path))
        }
        registry.register(file)
        _ = registry.create { folder }
        registry.register(directory.file(".never-created.partial-2"))
        registry.register(directory.file("unregistered"))
        registry.unregister(directory.file("unregistered"))
        #expect(registry.registered.count == 3)
        #expect(registry.removeAllForExit() >= 3 * 8192)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == [])
    }
}
