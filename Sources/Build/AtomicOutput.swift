// Outputs appear atomically: each is written beside its target under a temporary name and renamed
// into place only when the whole build has succeeded, so a failed or killed build leaves the
// previous outputs intact. The renames of one build are all or nothing (CommitJournal), and every
// temporary is registered so that an interrupted build removes it (InterruptCleanup).
public import Foundation
import TemporaryFiles

/// A set of output files staged beside their final names and committed together.
public final class StagedOutputs {
    public let directory: URL
    private var staged: [(temporary: URL, final: URL)] = []
    private let token = UUID().uuidString.prefix(8)

    public init(directory: URL) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// A temporary path beside `name` in the output directory; written by the caller, renamed on commit.
    public func stage(_ name: String) -> URL {
        let final = directory.appendingPathComponent(name)
        let temporary = directory.appendingPathComponent(".\(name)\(TemporaryNames.partial)\(token)")
        TemporaryRegistry.shared.register(temporary.path)
        staged.append((temporary, final))
        return temporary
    }

    /// The final name of a staged file (its temporary name without the staging decoration).
    public func finalName(of temporary: URL) -> String {
        staged.first { $0.temporary == temporary }?.final.lastPathComponent ?? temporary.lastPathComponent
    }

    /// Renames every staged file that was written into place, durably and all or nothing: each file
    /// is flushed first, then the list of renames is recorded in the directory's commit journal,
    /// so that when the process dies halfway the next build into the directory finishes the renames
    /// (`OutputDirectory`) instead of leaving some outputs old and some new. The manifest is renamed
    /// last: a manifest in place always describes outputs already in place.
    public func commit() throws {
        let journal = journal()
        // Flushed before any name points at them: after a crash a renamed output is never a file of
        // the right name with blocks that never reached the disk.
        for rename in journal.renames { try Durable.sync(directory.appendingPathComponent(rename.from).path) }
        // An interruption waits for the renames rather than cutting them off halfway.
        try TemporaryRegistry.shared.exclusively {
            try journal.write(in: directory.path)
            try journal.apply(in: directory.path)
            InterruptCleanup.noteOutputsCommitted()
        }
        for (temporary, _) in staged { TemporaryRegistry.shared.unregister(temporary.path) }
        staged.removeAll()
    }

    /// Removes every staged file that was not committed.
    public func discard() {
        for (temporary, _) in staged {
            try? FileManager.default.removeItem(at: temporary)
            TemporaryRegistry.shared.unregister(temporary.path)
        }
        staged.removeAll()
    }

    deinit { discard() }

    /// The renames of a commit now: the staged files that were written, the manifest last.
    func journal() -> CommitJournal {
        let written = staged.filter { FileManager.default.fileExists(atPath: $0.temporary.path) }
        let ordered = written.filter { !Self.isManifest($0.final) } + written.filter { Self.isManifest($0.final) }
        return CommitJournal(
            renames: ordered.map { .init(from: $0.temporary.lastPathComponent, to: $0.final.lastPathComponent) })
    }

    private static func isManifest(_ url: URL) -> Bool { url.lastPathComponent.hasSuffix(".manifest.json") }
}

/// A private directory beside the outputs for intermediate files (partition images), removed with
/// everything in it when released, or by an interruption.
final class ScratchDirectory {
    let url: URL

    init(in directory: String) throws {
        let url = URL(fileURLWithPath: directory)
            .appendingPathComponent("\(TemporaryNames.scratch)\(UUID().uuidString.prefix(8))")
        self.url = url
        _ = try TemporaryRegistry.shared.create {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            return url.path
        }
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
        TemporaryRegistry.shared.unregister(url.path)
    }
}
