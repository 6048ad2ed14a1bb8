// A build owns its output directory while it runs: it holds an exclusive flock(2) on the directory
// itself (an open descriptor of it, so no lock file is left among the outputs). A second build into
// the same directory fails at once instead of waiting: a build takes minutes, and the message tells
// the user which directory is busy. Only the holder may clean up, so the temporaries it removes are
// never those of a build still running: it first finishes a commit an interrupted build left
// halfway (CommitJournal), then removes every temporary of an earlier build that was killed before
// it could remove its own (SIGKILL, a crash, a power cut).
import Foundation
import TemporaryFiles

/// The output directory, locked for one build.
public final class OutputDirectory {
    let path: String
    /// The directory's descriptor that holds the lock; -1 when the file system cannot lock.
    private var descriptor: Int32

    /// Creates `path` if needed, locks it, and recovers what interrupted builds left in it. Throws
    /// when another build holds the lock.
    init(claiming path: String, progress: any ProgressReporter) throws {
        self.path = path
        try Self.create(path)
        descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw BuildError(
                operation: "open the output directory", path: path,
                message: "\(String(cString: strerror(errno))); choose another directory with --output")
        }
        // Checked now: otherwise the first output written fails minutes into the build.
        guard access(path, W_OK | X_OK) == 0 else {
            let reason = errno == EROFS ? "it is on a read-only file system" : "you cannot write into it"
            throw BuildError(
                operation: "write into the output directory", path: path,
                message: "\(reason); choose a directory you can write with --output")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(descriptor)
            descriptor = -1
            guard code == EWOULDBLOCK else {
                // A file system without flock (some network file systems): build unlocked, and
                // leave alone temporaries that may belong to a build running there now.
                progress.phase("output directory")
                progress.finish("cannot lock \(path) (\(String(cString: strerror(code)))); stale temporaries kept")
                return
            }
            throw BuildError(
                operation: "claim the output directory", path: path,
                message: "another slipway build is writing into it now; "
                    + "wait for that build to finish, or build into another directory (--output)")
        }
        try recover(progress: progress)
    }

    /// Finishes a commit that an interrupted build left halfway in `directory`, for the commands
    /// that read outputs (run, inspect, update): the set they read is then all of one build. A
    /// build running in the directory holds its lock and finishes its own commit, so this leaves the
    /// directory to it. Returns how many outputs it renamed (0 when there was nothing to finish).
    public static func finishInterruptedCommit(in directory: String) throws -> Int {
        guard access(directory + "/" + CommitJournal.name, F_OK) == 0 else { return 0 }
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return 0 }
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else { return 0 }
        guard let journal = try CommitJournal.read(in: directory) else { return 0 }
        return try journal.apply(in: directory)
    }

    /// Creates `path` and its missing parents (mode 0755, less the umask); throws naming the
    /// directory asked for, what is in the way or cannot be made, and the flag to change.
    static func create(_ path: String, asked: String? = nil) throws {
        let asked = asked ?? path
        let operation = "create the output directory"
        var status = stat()
        if stat(path, &status) == 0 {
            guard status.st_mode & S_IFMT != S_IFDIR else { return }
            let subject = path == asked ? "it" : path
            throw BuildError(
                operation: path == asked ? "use as the output directory" : operation, path: asked,
                message: "\(subject) is a file, not a directory; name a directory with --output (it is created if "
                    + "missing)")
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != path { try create(parent, asked: asked) }
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else {
            let place = parent.isEmpty ? "the current directory" : parent
            let reason =
                switch errno {
                case EACCES, EPERM: "you cannot write into \(place)"
                case EROFS: "\(place) is on a read-only file system"
                default: "\(path): \(String(cString: strerror(errno)))"
                }
            throw BuildError(
                operation: operation, path: asked, message: "\(reason); choose a directory you can write with --output")
        }
    }

    /// Releases the lock; another build may claim the directory from now on.
    func release() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }

    /// Finishes an interrupted commit, then removes stale temporaries, saying what it did.
    private func recover(progress: any ProgressReporter) throws {
        var notes: [String] = []
        if let journal = try CommitJournal.read(in: path) {
            let renamed = try journal.apply(in: path)
            notes.append("finished renaming \(renamed) outputs of an interrupted build")
        }
        var removed = 0
        var freed: Int64 = 0
        for name in TemporaryNames.entries(of: path).sorted() where TemporaryNames.isTemporary(name) {
            freed += TemporaryNames.removeTree(path + "/" + name)
            removed += 1
        }
        if removed > 0 {
            let mebibytes = String(format: "%.1f", Double(freed) / Double(1 << 20))
            notes.append("removed \(removed) temporaries (\(mebibytes) MiB) left by an interrupted build")
        }
        guard !notes.isEmpty else { return }
        progress.phase("output directory")
        progress.finish(notes.joined(separator: "; "))
    }
}
