// One apply (or rollback) at a time: an exclusive flock on /run/slipway/update.lock, taken without
// waiting so a second command says so at once instead of queueing behind a long download or write.
import Glibc

public enum UpdateLock {
    public static let path = "/run/slipway/update.lock"

    /// Runs `body` holding the lock at `path`; throws at once when another holder has it.
    public static func holding<T>(at path: String = UpdateLock.path, _ body: () throws(UpdateError) -> T)
        throws(UpdateError) -> T
    {
        if let slash = path.lastIndex(of: "/") { try PosixFile.makeDirectories(String(path[..<slash])) }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw UpdateError(path, "cannot open the lock: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            throw UpdateError(
                path,
                errno == EWOULDBLOCK
                    ? "another slipway-update apply or rollback is running; wait for it to finish"
                    : "cannot lock: \(String(cString: strerror(errno)))")
        }
        return try body()
    }
}
