// Fixture tars written member by member (python3's tarfile, pax format), for tests that need
// exact headers: whiteouts, device nodes, xattrs, hostile names and sizes.
import Foundation

/// One member of a fixture tar, written by python3's `tarfile` in pax format.
public struct Member: Encodable, Sendable {
    public enum Kind: String, Encodable, Sendable {
        case file, dir, symlink, hardlink, char, block, fifo
    }

    public var name: String
    public var kind: Kind
    public var data: [UInt8]
    public var mode: Int
    public var uid: Int
    public var gid: Int
    public var mtime: Int
    public var link: String
    public var major: Int
    public var minor: Int
    public var xattrs: [String: [UInt8]]
    /// A size for the header that the data does not back.
    public var claimedSize: Int?
    /// Data made by the fixture writer instead of `data`: this many bytes of 0, 1, ... 250, 0, 1...
    public var patternSize: Int?

    public init(
        name: String, kind: Kind = .file, data: [UInt8] = [], mode: Int = 0o644, uid: Int = 0, gid: Int = 0,
        mtime: Int = 1_700_000_000, link: String = "", major: Int = 0, minor: Int = 0, xattrs: [String: [UInt8]] = [:],
        claimedSize: Int? = nil, patternSize: Int? = nil
    ) {
        self.name = name
        self.kind = kind
        self.data = data
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.mtime = mtime
        self.link = link
        self.major = major
        self.minor = minor
        self.xattrs = xattrs
        self.claimedSize = claimedSize
        self.patternSize = patternSize
    }

    /// The bytes a `patternSize` member holds.
    public static func pattern(_ count: Int) -> [UInt8] { (0..<count).map { UInt8($0 % 251) } }

    public static func file(_ name: String, _ text: String = "", mode: Int = 0o644, uid: Int = 0, gid: Int = 0)
        -> Member
    {
        Member(name: name, data: Array(text.utf8), mode: mode, uid: uid, gid: gid)
    }

    public static func dir(_ name: String, mode: Int = 0o755, uid: Int = 0, gid: Int = 0, mtime: Int = 1_700_000_000)
        -> Member
    {
        Member(name: name, kind: .dir, mode: mode, uid: uid, gid: gid, mtime: mtime)
    }

    public static func symlink(_ name: String, to target: String) -> Member {
        Member(name: name, kind: .symlink, mode: 0o777, link: target)
    }

    public static func hardlink(_ name: String, to target: String) -> Member {
        Member(name: name, kind: .hardlink, link: target)
    }

    /// A whiteout: an empty file named `.wh.NAME`.
    public static func whiteout(_ name: String) -> Member {
        let parts = name.split(separator: "/")
        let prefix = parts.dropLast().map { $0 + "/" }.joined()
        return .file(prefix + ".wh." + (parts.last.map(String.init) ?? ""))
    }

    public static func opaque(_ directory: String) -> Member {
        .file(directory.isEmpty ? ".wh..wh..opq" : directory + "/.wh..wh..opq")
    }
}

public enum Compression: String, Sendable, CaseIterable {
    case none, gzip, xz, zstd

    public var command: [String]? {
        switch self {
        case .none: nil
        case .gzip: ["gzip", "-n", "-f"]
        case .xz: ["xz", "-f", "-T1"]
        case .zstd: ["zstd", "-q", "-f", "--rm"]
        }
    }

    public var suffix: String {
        switch self {
        case .none: ""
        case .gzip: ".gz"
        case .xz: ".xz"
        case .zstd: ".zst"
        }
    }
}

private let writerScript = """
    import io, json, sys, tarfile
    spec = json.load(open(sys.argv[1]))
    kinds = {'file': tarfile.REGTYPE, 'dir': tarfile.DIRTYPE, 'symlink': tarfile.SYMTYPE, 'hardlink': tarfile.LNKTYPE,
             'char': tarfile.CHRTYPE, 'block': tarfile.BLKTYPE, 'fifo': tarfile.FIFOTYPE}
    with open(sys.argv[2], 'wb') as out:
        for m in spec:
            i = tarfile.TarInfo(m['name']); i.type = kinds[m['kind']]; i.mode = m['mode']; i.uid = m['uid']
            i.gid = m['gid']; i.mtime = m['mtime']; i.linkname = m['link']; i.devmajor = m['major']
            i.devminor = m['minor']; data = bytes(m['data'])
            if m.get('patternSize'): data = (bytes(range(251)) * (m['patternSize'] // 251 + 1))[:m['patternSize']]
            i.pax_headers = {'SCHILY.xattr.' + k: bytes(v).decode('utf-8', 'surrogateescape') for k, v in m['xattrs'].items()}
            i.size = m.get('claimedSize') or len(data) if m['kind'] == 'file' else 0
            out.write(i.tobuf(tarfile.PAX_FORMAT, 'utf-8', 'surrogateescape'))
            if m['kind'] == 'file':
                out.write(data + b'\\0' * (-len(data) % 512))
        out.write(b'\\0' * 1024)
    """

/// Writes `members` as a tar at `path` (plus the compression's suffix); returns the file's path.
@discardableResult
public func writeTar(_ members: [Member], to path: String, compression: Compression = .none) throws -> String {
    let spec = path + ".json"
    try JSONEncoder().encode(members).write(to: URL(fileURLWithPath: spec))
    defer { try? FileManager.default.removeItem(atPath: spec) }
    try runChecked(["python3", "-c", writerScript, spec, path])
    guard let command = compression.command else { return path }
    try runChecked(command + [path])
    return path + compression.suffix
}

/// Runs a tool that makes a fixture and fails with its stderr if it fails.
public func runChecked(_ arguments: [String]) throws {
    let result = try runTool(arguments)
    guard result.status == 0 else { throw FixtureError("\(arguments.first ?? "") failed: \(result.stderr)") }
}
