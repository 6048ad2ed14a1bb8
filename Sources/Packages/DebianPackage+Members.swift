// Walking the outer ar archive of a .deb and the control archive inside it.
import Archive
import Foundation

extension DebianPackage {
    /// What the outer archive holds, as far as the caller asked.
    struct Members {
        var controlText = ""
        var controlNames: Set<String> = []
        var triggers: String?
        var conffiles: [String] = []
        var dataName = ""
        var data: [UInt8] = []
    }

    /// Limits that keep a hostile .deb from exhausting memory.
    static let controlLimit = 64 << 20
    static let dataLimit = 4 << 30

    static func readMembers(path: String, wantData: Bool) throws -> Members {
        func bad(_ member: String, _ rule: String) -> PackagesError {
            PackagesError(package: path, operation: "read .deb", message: "\(member): \(rule)")
        }
        var members = Members()
        try checkArMagic(path: path)
        do {
            let outer = try ArchiveReader(path: path)
            var index = 0
            var sawControl = false
            while let entry = try outer.next() {
                index += 1
                let name = entry.path.hasSuffix("/") ? String(entry.path.dropLast()) : entry.path
                if index == 1 {
                    guard name == "debian-binary" else {
                        throw bad(name, "the first member of a .deb must be debian-binary (is this a .deb?)")
                    }
                    let format = String(decoding: try outer.readAll(limit: 64), as: UTF8.self)
                    guard format.hasPrefix("2.") else {
                        let shown = format.split(separator: "\n").first.map(String.init) ?? ""
                        throw bad(name, "format \"\(shown)\" is not 2.x, the only one dpkg defines")
                    }
                } else if isMember(name, base: "control.tar", compressions: ["", ".gz", ".xz", ".zst"]) {
                    guard !sawControl else { throw bad(name, "a second control archive") }
                    sawControl = true
                    let bytes = try outer.readAll(limit: controlLimit)
                    try checkCompression(bytes, member: name, path: path)
                    try readControl(bytes, member: name, path: path, into: &members)
                } else if isMember(name, base: "data.tar", compressions: ["", ".gz", ".xz", ".zst", ".bz2", ".lzma"]) {
                    guard sawControl else { throw bad(name, "the data archive comes before the control archive") }
                    members.dataName = name
                    if wantData {
                        members.data = try outer.readAll(limit: dataLimit)
                        try checkCompression(members.data, member: name, path: path)
                    } else {
                        try checkCompression(try prefix(of: outer, count: 512), member: name, path: path)
                    }
                    return members
                } else if !name.hasPrefix("_") {
                    throw bad(name, "unexpected member (deb(5) allows only debian-binary, control.tar.*, data.tar.*)")
                }
            }
            if index == 0 { throw bad(path, "empty archive, not a .deb") }
            throw bad(sawControl ? "data.tar.*" : "control.tar.*", "missing member")
        } catch let error as ArchiveError {
            throw PackagesError(package: path, operation: "read .deb", message: "\(error.operation): \(error.message)")
        }
    }

    /// A .deb is an ar archive; anything else is turned away before libarchive guesses at it.
    private static func checkArMagic(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw PackagesError(
                package: path, operation: "read .deb",
                message: "cannot open the file: check that it exists and is readable")
        }
        defer { try? handle.close() }
        let magic = (try? handle.read(upToCount: 8)) ?? nil
        guard magic == Data("!<arch>\n".utf8) else {
            throw PackagesError(
                package: path, operation: "read .deb",
                message: "not a .deb: it does not start with the ar archive signature \"!<arch>\\n\"")
        }
    }

    /// Checks that a member holds what its name says (gzip, xz, zstd, bzip2, lzma or a plain tar),
    /// so a mislabelled or garbled member is reported by name.
    private static func checkCompression(_ bytes: [UInt8], member: String, path: String) throws {
        let signatures: [(String, [UInt8], String)] = [
            (".gz", [0x1F, 0x8B], "gzip"), (".xz", [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], "xz"),
            (".zst", [0x28, 0xB5, 0x2F, 0xFD], "zstd"), (".bz2", Array("BZh".utf8), "bzip2"),
            (".lzma", [0x5D, 0x00, 0x00], "lzma"),
        ]
        for (suffix, signature, format) in signatures where member.hasSuffix(suffix) {
            guard bytes.starts(with: signature) else {
                throw PackagesError(package: path, operation: "read .deb", message: "\(member): not \(format) data")
            }
            return
        }
        // An uncompressed tar: POSIX and GNU headers carry "ustar" at offset 257.
        guard bytes.count >= 512, bytes[257..<262].elementsEqual("ustar".utf8) else {
            throw PackagesError(package: path, operation: "read .deb", message: "\(member): not a tar archive")
        }
    }

    /// The first `count` bytes of the current member (fewer if it is shorter); the rest is skipped.
    private static func prefix(of reader: ArchiveReader, count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        try bytes.withUnsafeMutableBytes { buffer in
            while filled < count {
                let read = try reader.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
                if read == 0 { break }
                filled += read
            }
        }
        return Array(bytes[..<filled])
    }

    private static func isMember(_ name: String, base: String, compressions: [String]) -> Bool {
        compressions.contains { name == base + $0 }
    }

    private static func readControl(_ bytes: [UInt8], member: String, path: String, into members: inout Members)
        throws
    {
        let reader = try ArchiveReader(bytes: bytes, label: "\(member) of \(path)")
        var sawControlFile = false
        while let entry = try reader.next() {
            var name = Substring(entry.path)
            while name.hasPrefix("./") { name = name.dropFirst(2) }
            guard entry.type == .regular, !name.isEmpty, !name.contains("/") else { continue }
            members.controlNames.insert(String(name))
            switch name {
            case "control":
                members.controlText = String(decoding: try reader.readAll(limit: controlLimit), as: UTF8.self)
                sawControlFile = true
            case "triggers":
                members.triggers = String(decoding: try reader.readAll(limit: controlLimit), as: UTF8.self)
            case "conffiles":
                let text = String(decoding: try reader.readAll(limit: controlLimit), as: UTF8.self)
                members.conffiles = text.split(separator: "\n").map { $0.trimmingSpaces }.filter { !$0.isEmpty }
            default:
                break
            }
        }
        guard sawControlFile else {
            throw PackagesError(package: path, operation: "read .deb", message: "\(member): has no control file")
        }
    }
}
