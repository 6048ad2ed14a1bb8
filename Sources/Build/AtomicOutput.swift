// Outputs appear atomically: each is written beside its target under a temporary name and renamed
// into place only when the whole build has succeeded, so a failed or killed build leaves the
// previous outputs intact.
public import Foundation

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
        let temporary = directory.appendingPathComponent(".\(name).partial-\(token)")
        staged.append((temporary, final))
        return temporary
    }

    /// The final name of a staged file (its temporary name without the staging decoration).
    public func finalName(of temporary: URL) -> String {
        staged.first { $0.temporary == temporary }?.final.lastPathComponent ?? temporary.lastPathComponent
    }

    /// Renames every staged file into place (rename(2) replaces atomically).
    public func commit() throws {
        for (temporary, final) in staged where FileManager.default.fileExists(atPath: temporary.path) {
            guard rename(temporary.path, final.path) == 0 else {
                throw BuildError(
                    operation: "rename \(temporary.lastPathComponent) into place", path: final.path,
                    message: String(cString: strerror(errno)))
            }
        }
        staged.removeAll()
    }

    /// Removes every staged file that was not committed.
    public func discard() {
        for (temporary, _) in staged { try? FileManager.default.removeItem(at: temporary) }
        staged.removeAll()
    }

    deinit { discard() }
}

/// A private directory beside the outputs for intermediate files (partition images), removed with
/// everything in it when released.
final class ScratchDirectory {
    let url: URL

    init(in directory: String) throws {
        url = URL(fileURLWithPath: directory).appendingPathComponent(".slipway-scratch-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}
