// The ESP as apply uses it: a few file operations, with two implementations: a mounted vfat
// directory on a running host (MountedESP, here) and mtools on an image file offline (in the
// OfflineUpdate module). Paths are relative to the ESP's root with "/" separators.
import Glibc

public protocol ESPVolume {
    /// File names in `directory`; empty when it does not exist.
    func list(_ directory: String) throws(UpdateError) -> [String]
    func read(_ path: String) throws(UpdateError) -> [UInt8]
    /// Creates or replaces `path` (its directory exists or is created).
    func write(_ path: String, _ bytes: [UInt8]) throws(UpdateError)
    /// Renames `from` over `to`.
    func rename(_ from: String, to: String) throws(UpdateError)
    /// Removes `path`; nothing when it does not exist.
    func remove(_ path: String) throws(UpdateError)
    /// Flushes every change to the disk.
    func sync() throws(UpdateError)
}

/// The ESP mounted at `root` (on a slipway host, /efi).
public struct MountedESP: ESPVolume {
    public let root: String

    public init(root: String) { self.root = root }

    private func full(_ path: String) -> String { root + "/" + path }

    public func list(_ directory: String) throws(UpdateError) -> [String] {
        guard let stream = opendir(full(directory)) else {
            if errno == ENOENT { return [] }
            throw UpdateError(full(directory), "cannot list: \(PosixFile.reason())")
        }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    public func read(_ path: String) throws(UpdateError) -> [UInt8] {
        let file = try PosixFile(path: full(path))
        return try file.read(at: 0, count: Int(try file.size()))
    }

    public func write(_ path: String, _ bytes: [UInt8]) throws(UpdateError) {
        if let slash = path.lastIndex(of: "/") {
            let directory = full(String(path[..<slash]))
            if mkdir(directory, 0o755) != 0 && errno != EEXIST {
                throw UpdateError(directory, "cannot create: \(PosixFile.reason())")
            }
        }
        let file = try PosixFile(creating: full(path))
        try file.write(bytes, at: 0)
        try file.sync()
    }

    public func rename(_ from: String, to: String) throws(UpdateError) {
        guard Glibc.rename(full(from), full(to)) == 0 else {
            throw UpdateError(full(from), "cannot rename to \(to): \(PosixFile.reason())")
        }
    }

    public func remove(_ path: String) throws(UpdateError) {
        guard unlink(full(path)) == 0 || errno == ENOENT else {
            throw UpdateError(full(path), "cannot remove: \(PosixFile.reason())")
        }
    }

    public func sync() throws(UpdateError) {
        // vfat has no journal: sync(2) puts the data, the FAT and the directories on the disk.
        Glibc.sync()
    }
}
