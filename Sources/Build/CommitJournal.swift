// The commit journal: the list of renames that put a build's staged outputs into place, written
// and flushed before the first rename. Each rename is atomic, but a process killed between two of
// them would leave some outputs of the new build beside some of the old one. With the journal on
// disk the next build into the directory, holding its lock, finishes the renames first: the set is
// all new as soon as anything reads it through slipway again, and its staged files, complete and
// flushed, are never deleted as stale.
//
//   OUT/.slipway-commit   {"renames": [{"from": ".NAME.img.partial-1A2B3C4D", "to": "NAME.img"}, ...]}
import Foundation
import TemporaryFiles

/// The renames of one commit, in order (the manifest last).
struct CommitJournal: Codable, Equatable {
    struct Rename: Codable, Equatable {
        /// The staged file's name in the output directory.
        var from: String
        /// The output's final name.
        var to: String
    }

    var renames: [Rename]

    /// The journal's name in the output directory.
    static let name = ".slipway-commit"

    /// Writes the journal into `directory` atomically and durably: under a temporary name, flushed,
    /// renamed, and the directory flushed, so that after a crash it is either whole or absent, and
    /// so are the staged files it names (they are in the same directory).
    func write(in directory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let bytes = Array(try encoder.encode(self)) + Array("\n".utf8)
        let path = directory + "/" + Self.name
        let temporary = path + TemporaryNames.partial + UUID().uuidString.prefix(8)
        try Durable.create(temporary, holding: bytes)
        try Durable.move(temporary, over: path)
        try Durable.sync(directory)
    }

    /// Performs the renames whose staged file is still there (the others were done before an
    /// interruption), at most `limit` of them, flushes the directory and deletes the journal.
    /// Stopping at `limit` leaves the journal in place, as a process killed there would.
    /// Returns how many files it renamed.
    @discardableResult
    func apply(in directory: String, limit: Int = .max) throws -> Int {
        var renamed = 0
        for rename in renames where FileManager.default.fileExists(atPath: directory + "/" + rename.from) {
            guard renamed < limit else { return renamed }
            try Durable.move(directory + "/" + rename.from, over: directory + "/" + rename.to)
            renamed += 1
        }
        try Durable.sync(directory)
        // No flush after this: a journal that survives a crash names files already renamed, and
        // applying it again changes nothing.
        try Durable.remove(directory + "/" + Self.name)
        return renamed
    }

    /// The journal an interrupted commit left in `directory`, or nil when there is none.
    static func read(in directory: String) throws -> CommitJournal? {
        let path = directory + "/" + name
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let journal: CommitJournal
        do {
            journal = try JSONDecoder().decode(CommitJournal.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw unreadable(path, "\(error)")
        }
        // Names only: a journal never renames anything outside its directory.
        let names = journal.renames.flatMap { [$0.from, $0.to] }
        if let bad = names.first(where: { $0.isEmpty || $0 == "." || $0 == ".." || $0.contains("/") }) {
            throw unreadable(path, "\"\(bad)\" is not a file name")
        }
        return journal
    }

    private static func unreadable(_ path: String, _ problem: String) -> BuildError {
        BuildError(
            operation: "finish an interrupted commit", path: path,
            message: "\(problem); the outputs beside it may come from two builds: delete it and build again")
    }
}
