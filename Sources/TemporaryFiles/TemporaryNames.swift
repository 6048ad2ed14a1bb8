// How the temporaries of a build are named in its output directory. The next build into the
// directory recognises those an interrupted or killed build left behind by these names alone, so
// every writer that puts a temporary there takes its name from here.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Names of temporary files and directories in an output directory, and removing them.
public enum TemporaryNames {
    /// The content store's spill file: `.slipway-content-XXXXXX`.
    public static let contentStore = ".slipway-content-"
    /// Intermediate partition images: `.slipway-scratch-XXXXXXXX/`.
    public static let scratch = ".slipway-scratch-"
    /// Container image archives: `.slipway-images-XXXXXX/`.
    public static let images = ".slipway-images-"
    /// A file written beside its final name before the rename: `.NAME.partial-TOKEN`.
    public static let partial = ".partial-"

    /// Whether `name`, an entry of an output directory, is one of a build's temporaries.
    public static func isTemporary(_ name: String) -> Bool {
        if [contentStore, scratch, images].contains(where: { name.hasPrefix($0) }) { return true }
        return name.hasPrefix(".") && name.dropFirst().contains(partial)
    }

    /// Removes `path`, a file or a directory with everything in it, without following symbolic
    /// links; returns the bytes that were allocated to it (0 when it did not exist).
    @discardableResult
    public static func removeTree(_ path: String) -> Int64 {
        var info = stat()
        guard lstat(path, &info) == 0 else { return 0 }
        var freed = Int64(info.st_blocks) * 512
        guard info.st_mode & S_IFMT == S_IFDIR else {
            unlink(path)
            return freed
        }
        // A writer may still be adding files to the directory (the build goes on until the process
        // exits): list and remove again until rmdir succeeds, a few times at most.
        for _ in 0..<5 {
            for name in entries(of: path) { freed += removeTree(path + "/" + name) }
            if rmdir(path) == 0 || errno == ENOENT { break }
        }
        return freed
    }

    /// The names in directory `path`, without `.` and `..`; empty when it cannot be read.
    public static func entries(of path: String) -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
