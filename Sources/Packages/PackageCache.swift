// The download cache: .deb files stored by content, and an index from name_version_arch to content.
//
//   <cache>/debs/sha256/<hex>.deb            the verified file, named by its SHA-256
//   <cache>/debs/by-name/<name>_<version>_<arch>.deb → ../sha256/<hex>.deb   (symlink index)
//   <cache>/debs/tmp/                         downloads in progress, renamed into sha256/ when verified
//   <cache>/apt/                              apt's private state (see Apt)
import FileHashing
import Foundation
import Hashing

/// A directory of verified .deb files, shared by every build that uses the same cache.
public struct PackageCache: Sendable, Equatable {
    /// The cache's root directory.
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// The cache at its default location (see `defaultDirectory(environment:)`).
    public static func atDefaultLocation() -> PackageCache {
        PackageCache(directory: defaultDirectory(environment: ProcessInfo.processInfo.environment))
    }

    /// `$SLIPWAY_CACHE`, else `$XDG_CACHE_HOME/slipway`, else `$HOME/.cache/slipway`.
    /// Empty variables count as unset, as the XDG specification asks; relative XDG paths are ignored.
    public static func defaultDirectory(environment: [String: String]) -> String {
        if let explicit = environment["SLIPWAY_CACHE"], !explicit.isEmpty { return explicit }
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return "\(xdg)/slipway" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return "\(home)/.cache/slipway"
    }

    var debsDirectory: String { "\(directory)/debs" }
    var storeDirectory: String { "\(debsDirectory)/sha256" }
    var indexDirectory: String { "\(debsDirectory)/by-name" }
    var downloadsDirectory: String { "\(debsDirectory)/tmp" }

    /// Where the .deb with this SHA-256 lives once cached.
    public func path(sha256: String) -> String { "\(storeDirectory)/\(sha256).deb" }

    /// The index entry for a package: a symlink to its file in the store.
    public func indexPath(for package: ResolvedPackage) -> String {
        "\(indexDirectory)/\(package.name)_\(quoted(package.version))_\(package.architecture).deb"
    }

    /// The cached, re-verified file of `package`, or nil when it is not cached. A cached file whose
    /// size or SHA-256 is wrong is removed (and reported through `corrupt`), so it is fetched again.
    public func verifiedFile(for package: ResolvedPackage, corrupt: (String) -> Void = { _ in }) throws -> String? {
        try package.validate()
        let file = path(sha256: package.sha256)
        guard let size = fileSize(file) else { return nil }
        var problem: String?
        if size != package.size {
            problem = "\(size) bytes instead of \(package.size)"
        } else {
            let digest = try digest(of: file, package: package)
            if digest != package.sha256 { problem = "SHA-256 \(digest) instead of \(package.sha256)" }
        }
        guard let problem else {
            try link(package, to: file)
            return file
        }
        do {
            try FileManager.default.removeItem(atPath: file)
        } catch {
            throw PackagesError(
                package: package.id, operation: "remove corrupt cache entry",
                message: "\(file) has \(problem) and cannot be removed: \(error.localizedDescription)")
        }
        corrupt("cached \(package.id) at \(file) had \(problem); removed, downloading it again")
        return nil
    }

    /// Verifies a freshly downloaded file and moves it into the store. The download is never kept
    /// when it does not match what the signed index promised.
    func store(download: String, for package: ResolvedPackage) throws -> String {
        let size = fileSize(download) ?? -1
        let digest = try digest(of: download, package: package)
        guard size == package.size, digest == package.sha256 else {
            try? FileManager.default.removeItem(atPath: download)
            throw PackagesError(
                package: package.id, operation: "verify download",
                message: "got \(size) bytes with SHA-256 \(digest), the package index says \(package.size) bytes "
                    + "with SHA-256 \(package.sha256): the mirror served a different file; refresh the package "
                    + "lists (apt-get update) and try again")
        }
        let file = path(sha256: package.sha256)
        try createDirectory(storeDirectory, for: package)
        // rename(2) is atomic: readers see either no file or the whole verified one.
        guard rename(download, file) == 0 else {
            let reason = String(cString: strerror(errno))
            throw PackagesError(
                package: package.id, operation: "store", message: "cannot move \(download) to \(file): \(reason)")
        }
        try link(package, to: file)
        return file
    }

    /// Points the name index at `file`, replacing any older entry atomically.
    private func link(_ package: ResolvedPackage, to file: String) throws {
        let entry = indexPath(for: package)
        let target = "../sha256/\(package.sha256).deb"
        if (try? FileManager.default.destinationOfSymbolicLink(atPath: entry)) == target { return }
        try createDirectory(indexDirectory, for: package)
        let temporary = "\(entry).\(getpid()).tmp"
        unlink(temporary)
        guard symlink(target, temporary) == 0, rename(temporary, entry) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw PackagesError(
                package: package.id, operation: "index", message: "cannot link \(entry) to \(target): \(reason)")
        }
    }

    func createDirectory(_ path: String, for package: ResolvedPackage) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw PackagesError(
                package: package.id, operation: "create cache directory",
                message: "\(path): \(Self.unwritable(path, error))")
        }
    }

    /// Why a directory of the cache could not be made, from the system's reason (Foundation's own
    /// text names neither the path nor the cause), and where to put the cache instead.
    static func unwritable(_ path: String, _ error: any Error) -> String {
        var reason: String
        switch (error as? CocoaError)?.code {
        case .fileWriteNoPermission?, .fileReadNoPermission?: reason = "permission denied"
        case .fileWriteFileExists?: reason = "a file is in the way"
        case .fileWriteVolumeReadOnly?: reason = "read-only file system"
        case .fileWriteOutOfSpace?: reason = "no space left on the device"
        default: reason = error.localizedDescription
        }
        // Foundation's "unknown" error is most often a file where a directory should be.
        var ancestor = path
        var isDirectory: ObjCBool = false
        while !ancestor.isEmpty, ancestor != "/",
            !FileManager.default.fileExists(atPath: ancestor, isDirectory: &isDirectory)
        {
            ancestor = (ancestor as NSString).deletingLastPathComponent
        }
        if FileManager.default.fileExists(atPath: ancestor, isDirectory: &isDirectory), !isDirectory.boolValue {
            reason = "\(ancestor) is a file, not a directory"
        }
        return "cannot create it: \(reason); choose a writable cache with --cache or SLIPWAY_CACHE"
    }

    private func digest(of file: String, package: ResolvedPackage) throws -> String {
        do {
            return try FileHashing.sha256Hex(ofFile: file)
        } catch {
            throw PackagesError(package: package.id, operation: "verify", message: "\(error)")
        }
    }
}

/// The size of a regular file, or nil when there is none.
func fileSize(_ path: String) -> Int64? {
    var info = stat()
    guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
    return Int64(info.st_size)
}

/// A version as apt writes it in file names: ':' (the epoch separator) and anything unsafe in a
/// file name become %xx.
func quoted(_ text: String) -> String {
    var result = ""
    for byte in text.utf8 {
        let safe =
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: "~")
        if safe {
            result.append(Character(Unicode.Scalar(byte)))
        } else {
            result += "%" + String(byte, radix: 16).leftPadded(to: 2)
        }
    }
    return result
}

/// Decodes %xx escapes (apt's file names); malformed escapes are kept as they are.
func unquoted(_ text: String) -> String {
    var bytes: [UInt8] = []
    var utf8 = Array(text.utf8)[...]
    while let byte = utf8.popFirst() {
        if byte == UInt8(ascii: "%"), utf8.count >= 2,
            let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16)
        {
            bytes.append(value)
            utf8 = utf8.dropFirst(2)
        } else {
            bytes.append(byte)
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
