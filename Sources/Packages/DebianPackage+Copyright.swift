// What an SBOM needs from a .deb beyond apt's record: its maintainer (from the control file) and
// its copyright file, /usr/share/doc/PACKAGE/copyright in the data archive. Packages built from one
// source often ship /usr/share/doc/PACKAGE as a symbolic link to another package's directory
// (libgcc-s1 → gcc-12-base); that is reported as a link, for the caller to follow among the
// packages it has.
import Archive

extension DebianPackage {
    /// Where a package's copyright file is.
    public enum CopyrightFile: Sendable, Equatable {
        /// The file's text.
        case text(String)
        /// The documentation directory (or the file) is a link into another package's: its name.
        case link(package: String)
        /// The package ships none.
        case missing
    }

    /// The largest copyright file read (the biggest in Debian 12 are a few hundred KiB).
    static let copyrightLimit = 8 << 20

    /// Reads the data archive until `usr/share/doc/NAME/copyright` (or a link in its place).
    /// - Throws: `PackagesError` when the data archive cannot be read.
    public func copyrightFile() throws -> CopyrightFile {
        let directory = "usr/share/doc/\(name)"
        let reader = try dataArchive()
        do {
            while let entry = try reader.next() {
                var path = Substring(entry.path)
                while path.hasPrefix("./") { path = path.dropFirst(2) }
                if path.hasSuffix("/") { path = path.dropLast() }
                if path == directory, entry.type == .symlink, let target = entry.linkTarget {
                    return Self.linkedPackage(target) ?? .missing
                }
                guard path == directory + "/copyright" else { continue }
                switch entry.type {
                case .regular:
                    let bytes = try reader.readAll(limit: Self.copyrightLimit)
                    return .text(String(decoding: bytes, as: UTF8.self))
                case .symlink:
                    // "../other/copyright" or "/usr/share/doc/other/copyright"
                    let parent = entry.linkTarget.map {
                        String($0.split(separator: "/").dropLast().joined(separator: "/"))
                    }
                    return parent.flatMap(Self.linkedPackage) ?? .missing
                default:
                    return .missing
                }
            }
        } catch let error as ArchiveError {
            throw PackagesError(package: label, operation: "read the copyright file", message: "\(error)")
        }
        return .missing
    }

    /// The package a documentation link points into: its last component, when it is a plain
    /// package name ("gcc-12-base", "../gcc-12-base", "/usr/share/doc/gcc-12-base").
    private static func linkedPackage(_ target: String) -> CopyrightFile? {
        guard let last = target.split(separator: "/").last, last != "..", last != "." else { return nil }
        return .link(package: String(last))
    }
}
