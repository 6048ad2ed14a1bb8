// A digest of a host directory for the manifest: every entry's relative path, type, mode and
// (for files) content digest or (for links) target, in byte order. Owners and times are left out:
// the build overrides owners, and checkouts do not preserve times.
import FileHashing
import Foundation
import Hashing

enum DirectoryDigest {
    static func of(_ directory: String) throws -> String {
        var listing = ""
        let fileManager = FileManager.default
        guard let names = fileManager.enumerator(atPath: directory)?.allObjects as? [String] else {
            throw BuildError(operation: "list", path: directory, message: "cannot read the directory")
        }
        for name in names.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            let path = directory + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0 else {
                throw BuildError(operation: "stat", path: path, message: String(cString: strerror(errno)))
            }
            let mode = String(info.st_mode, radix: 8)
            switch info.st_mode & S_IFMT {
            case S_IFREG: listing += "\(name) \(mode) \(try FileHashing.sha256Hex(ofFile: path))\n"
            case S_IFLNK:
                // An unreadable link must not hash like an empty one: two different trees would match.
                let target: String
                do {
                    target = try fileManager.destinationOfSymbolicLink(atPath: path)
                } catch {
                    throw BuildError(operation: "read the symbolic link", path: path, message: "\(error)")
                }
                listing += "\(name) \(mode) -> \(target)\n"
            default: listing += "\(name) \(mode)\n"
            }
        }
        return SHA256.hexDigest(Array(listing.utf8))
    }
}
