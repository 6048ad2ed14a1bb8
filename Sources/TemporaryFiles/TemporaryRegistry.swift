// The temporary files and directories a build creates beside its outputs, registered here so that
// an interrupted build can remove them before it exits. The signal handler (Build's
// InterruptCleanup) runs on an ordinary thread, not in a C signal handler, so it may take a lock
// and call unlink; once it has begun it keeps the lock until the process exits, so no thread can
// create another registered temporary behind its back.
//
// No Foundation: Archive, which registers the files it writes, does not import it.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A thread-safe set of temporary paths that `removeAllForExit()` deletes.
///
/// ```swift
/// let path = try TemporaryRegistry.shared.create { try makeSpillFile() }   // created under the lock
/// defer { TemporaryRegistry.shared.unregister(path) }                       // after deleting it
/// ```
public final class TemporaryRegistry: @unchecked Sendable {
    /// The registry of this process: every build's temporaries, removed on SIGINT or SIGTERM.
    public static let shared = TemporaryRegistry()

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var paths: Set<String> = []

    public init() {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Records `path` (not yet created, or just created) for removal on interruption. Blocks for good
    /// once `removeAllForExit()` has begun: the process is about to exit.
    public func register(_ path: String) {
        locked { _ = paths.insert(path) }
    }

    /// Forgets `path`: it has been removed, or renamed into place as an output.
    public func unregister(_ path: String) {
        locked { _ = paths.remove(path) }
    }

    /// Calls `make`, which creates a temporary and returns its path, and registers that path, with
    /// the lock held throughout: an interruption removes it either way, never between the two.
    /// `make` must not call the registry.
    public func create(_ make: () throws -> String) rethrows -> String {
        try locked {
            let path = try make()
            paths.insert(path)
            return path
        }
    }

    /// Runs `body` with the lock held, so an interruption waits until it is done (committing the
    /// outputs: renaming them must not be cut off halfway). `body` must not call the registry.
    public func exclusively<Result>(_ body: () throws -> Result) rethrows -> Result {
        try locked(body)
    }

    /// The paths registered now, sorted.
    public var registered: [String] { locked { paths.sorted() } }

    /// Removes every registered path (directories with their contents) and returns how many bytes
    /// that freed. It keeps the lock: any later call waits until the process exits, which the
    /// caller does next. Only for an interrupted process.
    public func removeAllForExit() -> Int64 {
        pthread_mutex_lock(mutex)
        var freed: Int64 = 0
        for path in paths.sorted() { freed += TemporaryNames.removeTree(path) }
        paths.removeAll()
        return freed
    }

    private func locked<Result>(_ body: () throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}
