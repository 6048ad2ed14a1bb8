// Reading files back out of a FAT filesystem inside an image (mtools' "image@@offset" syntax), for
// `slipway inspect` and the tests. Nothing is mounted and the image is only read.
import Foundation

/// Reads directories and files of a FAT filesystem at a byte offset of an image file.
public enum ESPReader {
    /// The names in `directory` (e.g. "loader/entries") of the FAT filesystem at `offset` of `image`,
    /// sorted; subdirectories end in "/". Nil when the directory does not exist.
    /// Throws `DiskError.toolFailed` when the filesystem cannot be read, `.toolMissing` without mtools.
    public static func list(image: String, offset: UInt64 = 0, directory: String) throws -> [String]? {
        let target = "::/" + directory.split(separator: "/").joined(separator: "/")
        let arguments = ["-i", volume(image, offset), "-b", target]
        let output = try ExternalTool.mdir.run(arguments)
        if output.status != 0 {
            if output.stderr.contains("not found") { return nil }
            throw ExternalTool.mdir.failure(arguments, output)
        }
        let prefix = target.hasSuffix("/") ? target : target + "/"
        return String(decoding: output.stdout, as: UTF8.self).split(separator: "\n").compactMap { line in
            line.hasPrefix(prefix) ? String(line.dropFirst(prefix.count)) : nil
        }.sorted()
    }

    /// The contents of the file at `path` (e.g. "loader/loader.conf"), byte for byte.
    /// Throws `DiskError.toolFailed` when it does not exist or cannot be read.
    public static func read(image: String, offset: UInt64 = 0, path: String) throws -> [UInt8] {
        let arguments = ["-i", volume(image, offset), "::/" + path.split(separator: "/").joined(separator: "/")]
        return Array(try ExternalTool.mtype.check(arguments).stdout)
    }

    /// mtools' name of the FAT filesystem at `offset` of `image`.
    static func volume(_ image: String, _ offset: UInt64) -> String {
        offset == 0 ? image : "\(image)@@\(offset)"
    }
}
