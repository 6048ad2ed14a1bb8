import Foundation
import TestSupport
import Testing

@testable import Build

/// The commit of staged outputs is all or nothing: a process that dies between two renames leaves
/// a journal, and the next build into the directory finishes the renames before anything else.
struct CommitJournalTests {
    /// The outputs of a build, old and new contents.
    static let names = ["p.rootfs.ext4", "p.img", "p.manifest.json"]

    /// A directory holding the old outputs and, staged beside them, the new ones.
    private func stagedDirectory() throws -> (TemporaryDirectory, CommitJournal) {
        let directory = try TemporaryDirectory("commit")
        var renames: [CommitJournal.Rename] = []
        for name in Self.names {
            try Data("old \(name)\n".utf8).write(to: URL(fileURLWithPath: directory.file(name)))
            let staged = ".\(name).partial-1A2B3C4D"
            try Data("new \(name)\n".utf8).write(to: URL(fileURLWithPath: directory.file(staged)))
            renames.append(.init(from: staged, to: name))
        }
        return (directory, CommitJournal(renames: renames))
    }

    private func contents(_ directory: TemporaryDirectory) throws -> [String: String] {
        var contents: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            contents[name] = try String(contentsOfFile: directory.file(name), encoding: .utf8)
        }
        return contents
    }

    private var allNew: [String: String] {
        Dictionary(uniqueKeysWithValues: Self.names.map { ($0, "new \($0)\n") })
    }

    /// The process dies after `renamed` of the three renames: the directory is left half old, half
    /// new, with the journal; the next claim of the directory makes it all new and removes the
    /// journal, the staged files and nothing else.
    @Test(arguments: 0...2) func nextBuildFinishesACommitCutOffAfterRenames(_ renamed: Int) throws {
        let (directory, journal) = try stagedDirectory()
        try journal.write(in: directory.path)
        #expect(try journal.apply(in: directory.path, limit: renamed) == renamed)

        let before = try contents(directory)
        #expect(before[CommitJournal.name] != nil, "the journal stays until every rename is done")
        for (index, name) in Self.names.enumerated() {
            #expect(before[name] == (index < renamed ? "new" : "old") + " \(name)\n")
        }

        let progress = NoteRecorder()
        let claim = try OutputDirectory(claiming: directory.path, progress: progress)
        defer { claim.release() }
        #expect(try contents(directory) == allNew)
        #expect(progress.notes == ["finished renaming \(3 - renamed) outputs of an interrupted build"])
    }

    /// The commands that read outputs finish the commit too, unless a build holds the directory
    /// (it finishes its own): `slipway inspect` of a half-committed directory reads it all new.
    @Test func readingCommandsFinishACommitCutOff() throws {
        let (directory, journal) = try stagedDirectory()
        try journal.write(in: directory.path)
        try journal.apply(in: directory.path, limit: 1)

        // A build holding the directory's lock, as OutputDirectory takes it.
        let build = open(directory.path, O_RDONLY | O_DIRECTORY)
        #expect(flock(build, LOCK_EX | LOCK_NB) == 0)
        #expect(try OutputDirectory.finishInterruptedCommit(in: directory.path) == 0)
        #expect(try contents(directory)[CommitJournal.name] != nil, "left to the build that holds the lock")
        close(build)

        let slipway = packageRoot().appendingPathComponent(".build/debug/slipway").path
        let inspect = try runTool([slipway, "inspect", directory.file("p.img")])
        #expect(
            inspect.stderr.hasPrefix(
                "slipway inspect: finished renaming 2 outputs of an interrupted build in \(directory.path)\n"),
            "\(inspect.stderr)")
        #expect(try contents(directory) == allNew)
        #expect(try OutputDirectory.finishInterruptedCommit(in: directory.path) == 0)
    }

    /// A journal that survived a crash after its last rename renames nothing and is removed.
    @Test func aJournalOfACompletedCommitChangesNothing() throws {
        let (directory, journal) = try stagedDirectory()
        try journal.write(in: directory.path)
        let copy = try Data(contentsOf: URL(fileURLWithPath: directory.file(CommitJournal.name)))
        try journal.apply(in: directory.path)
        try copy.write(to: URL(fileURLWithPath: directory.file(CommitJournal.name)))

        let claim = try OutputDirectory(claiming: directory.path, progress: NoteRecorder())
        defer { claim.release() }
        #expect(try contents(directory) == allNew)
    }

    /// `StagedOutputs.commit` leaves the new outputs and nothing else, and renames the manifest last
    /// even when it was staged first.
    @Test func commitRenamesEveryStagedFileWithTheManifestLast() throws {
        let directory = try TemporaryDirectory("commit")
        let outputs = try StagedOutputs(directory: directory.url)
        for name in Self.names.reversed() {
            try Data("new \(name)\n".utf8).write(to: outputs.stage(name))
        }
        _ = outputs.stage("p.qcow2")  // staged but never written: not renamed
        #expect(outputs.journal().renames.map(\.to) == ["p.img", "p.rootfs.ext4", "p.manifest.json"])
        try outputs.commit()
        #expect(try contents(directory) == allNew)
    }

    @Test func anUnreadableJournalStopsTheBuild() throws {
        let directory = try TemporaryDirectory("commit")
        let path = directory.file(CommitJournal.name)
        try Data("{\"renames\": [".utf8).write(to: URL(fileURLWithPath: path))
        let error = try #require(throws: BuildError.self) {
            _ = try OutputDirectory(claiming: directory.path, progress: NoteRecorder())
        }
        #expect(error.path == path)
        #expect(error.operation == "finish an interrupted commit")
        #expect(error.message.hasSuffix("; the outputs beside it may come from two builds: delete it and build again"))
    }

    /// A journal renames within its directory only.
    @Test(arguments: ["../p.img", "/etc/passwd", "..", ""]) func aJournalNamingAPathIsRefused(_ name: String) throws {
        let directory = try TemporaryDirectory("commit")
        try CommitJournal(renames: [.init(from: ".p.img.partial-1", to: name)]).write(in: directory.path)
        let error = try #require(throws: BuildError.self) {
            _ = try OutputDirectory(claiming: directory.path, progress: NoteRecorder())
        }
        #expect(
            error.description
                == "\(directory.file(CommitJournal.name)): finish an interrupted commit: \"\(name)\" is not a file "
                + "name; the outputs beside it may come from two builds: delete it and build again")
    }
}

/// Records the summaries a build reports.
final class NoteRecorder: ProgressReporter, @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [String] = []

    var notes: [String] { lock.withLock { recorded } }

    func phase(_ name: String) {}
    func advance(_ detail: String, done: Int, total: Int) {}
    func finish(_ summary: String) { lock.withLock { recorded.append(summary) } }
}
