// File operations whose result must survive a crash or power loss: the commit of a build's outputs.
import Foundation

/// fsync, rename and unlink that throw `BuildError` naming the path.
enum Durable {
    /// Flushes the file or directory at `path` to stable storage. For a directory that makes the
    /// names created, renamed or removed in it durable.
    static func sync(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("open to flush", path) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw failure("fsync", path) }
    }

    /// Creates `path` (which must not exist) holding `bytes`, flushed.
    static func create(_ path: String, holding bytes: [UInt8]) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure("create", path) }
        defer { close(descriptor) }
        var done = 0
        while done < bytes.count {
            let count = bytes[done...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw failure("write", path) }
            done += count
        }
        guard fsync(descriptor) == 0 else { throw failure("fsync", path) }
    }

    /// Renames `from` to `to`, replacing `to` atomically.
    static func move(_ from: String, over to: String) throws {
        guard rename(from, to) == 0 else {
            throw failure("rename \((from as NSString).lastPathComponent) into place", to)
        }
    }

    /// Deletes the file `path`; one that is already gone is no error.
    static func remove(_ path: String) throws {
        guard unlink(path) == 0 || errno == ENOENT else { throw failure("delete", path) }
    }

    private static func failure(_ operation: String, _ path: String, _ code: Int32 = errno) -> BuildError {
        let reason = strerror(code).map { String(cString: $0) } ?? "error \(code)"
        return BuildError(operation: operation, path: path, message: "\(reason); check the disk and build again")
    }
}
