// Outputs appear atomically: a file is produced under a temporary name beside its target and
// renamed into place only when complete, so a failed or interrupted write leaves the previous
// file (or no file) behind, never a half-written one.
import Foundation
import TemporaryFiles

/// Writes a file beside its target and renames it into place.
public enum AtomicFile {
    /// Calls `body` with a temporary path in the same directory as `path` (not yet existing), then
    /// renames it to `path`. If `body` throws, the temporary file is removed and `path` is untouched.
    /// Throws what `body` throws, or `DiskError.io` when the rename fails.
    public static func write(to path: String, _ body: (String) throws -> Void) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(
                ".\(url.lastPathComponent)\(TemporaryNames.partial)\(UInt32.random(in: .min ... .max))"
            ).path
        // Registered before `body` creates it, so that an interrupted build removes it.
        TemporaryRegistry.shared.register(temporary)
        defer { TemporaryRegistry.shared.unregister(temporary) }
        do {
            try body(temporary)
            guard rename(temporary, path) == 0 else {
                throw DiskError.io(operation: "rename \(temporary) into place", path: path, errno: errno)
            }
        } catch {
            unlink(temporary)
            throw error
        }
    }
}
