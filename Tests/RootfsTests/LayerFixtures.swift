import Foundation
import Rootfs
import TestSupport
import Testing

/// One member of a fixture tar, written by python3's `tarfile` in pax format.
struct Member: Encodable, Sendable {
    enum Kind: String, Encodable, Sendable {
        case file, dir, symlink, hardlink, char, block, fifo
    }

    var name: String
    var kind: Kind = .file
    var data: [UInt8] = []
    var mode = 0o644
    var uid = 0
    var gid = 0
    var mtime = 1_700_000_000
    var link = ""
    var major = 0
    var minor = 0
    var xattrs: [String: [UInt8]] = [:]
    /// A size for the header that the data does not back.
    var claimedSize: Int?
    /// Data made by the fixture writer instead of `data`: this many bytes of 0, 1, ... 250, 0, 1...
    var patternSize: Int?

    /// The bytes a `patternSize` member holds.
    static func pattern(_ count: Int) -> [UInt8] { (0..<count).map { UInt8($0 % 251) } }

    static func file(_ name: String, _ text: String = "", mode: Int = 0o644, uid: Int = 0, gid: Int = 0) -> Member {
        Member(name: name, data: Array(text.utf8), mode: mode, uid: uid, gid: gid)
    }

    static func dir(_ name: String, mode: Int = 0o755, uid: Int = 0, gid: Int = 0, mtime: Int = 1_700_000_000) -> Member
    {
        Member(name: name, kind: .dir, mode: mode, uid: uid, gid: gid, mtime: mtime)
    }

    static func symlink(_ name: String, to target: String) -> Member {
        Member(name: name, kind: .symlink, mode: 0o777, link: target)
    }

    static func hardlink(_ name: String, to target: String) -> Member {
        Member(name: name, kind: .hardlink, link: target)
    }

    /// A whiteout: an empty file named `.wh.NAME`.
    static func whiteout(_ name: String) -> Member {
        let parts = name.split(separator: "/")
        let prefix = parts.dropLast().map { $0 + "/" }.joined()
        return .file(prefix + ".wh." + (parts.last.map(String.init) ?? ""))
    }

    static func opaque(_ directory: String) -> Member {
        .file(directory.isEmpty ? ".wh..wh..opq" : directory + "/.wh..wh..opq")
    }
}

enum Compression: String, Sendable, CaseIterable {
    case none, gzip, xz, zstd

    var command: [String]? {
        switch self {
        case .none: nil
        case .gzip: ["gzip", "-n", "-f"]
        case .xz: ["xz", "-f", "-T1"]
        case .zstd: ["zstd", "-q", "-f", "--rm"]
        }
    }

    var suffix: String {
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
func writeTar(_ members: [Member], to path: String, compression: Compression = .none) throws -> String {
    let spec = path + ".json"
    try JSONEncoder().encode(members).write(to: URL(fileURLWithPath: spec))
    defer { try? FileManager.default.removeItem(atPath: spec) }
    try check(["python3", "-c", writerScript, spec, path])
    guard let command = compression.command else { return path }
    try check(command + [path])
    return path + compression.suffix
}

/// Runs a fixture tool and fails with its stderr if it fails.
func check(_ arguments: [String]) throws {
    let result = try runTool(arguments)
    guard result.status == 0 else { throw FixtureFailure(text: "\(arguments.first ?? "") failed: \(result.stderr)") }
}

struct FixtureFailure: Error, CustomStringConvertible {
    var text: String
    var description: String { text }
}

/// A fresh temporary directory with an output directory for the content store and an input directory.
final class Workspace: Sendable {
    let scratch: TemporaryDirectory
    let store: ContentStore
    var inputs: String { scratch.file("inputs") }
    var output: String { scratch.file("output") }

    init(limit: Int64 = RootfsLimits.default.maximumContentBytes) throws {
        scratch = try TemporaryDirectory("rootfs")
        try FileManager.default.createDirectory(atPath: scratch.file("inputs"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: scratch.file("output"), withIntermediateDirectories: true)
        store = try ContentStore(directory: scratch.file("output"), limit: limit)
    }

    func input(_ name: String) -> String { inputs + "/" + name }

    /// Writes one tar layer per element of `layers`, named layer1.tar, layer2.tar...
    func tarLayers(_ layers: [[Member]], compression: Compression = .none) throws -> [LayerSource] {
        try layers.enumerated().map { index, members in
            .tar(path: try writeTar(members, to: input("layer\(index + 1).tar"), compression: compression))
        }
    }

    func assembler(limits: RootfsLimits = .default) -> RootfsAssembler {
        RootfsAssembler(store: store, limits: limits)
    }
}

extension Tree {
    /// Every path except the root, in walk order.
    var paths: [String] {
        var paths: [String] = []
        walk { path, _ in if path != "/" { paths.append(path) } }
        return paths
    }
}

/// The error `body` throws, if it is a RootfsError.
func rootfsError(_ body: () throws -> Void) -> RootfsError? {
    do {
        try body()
    } catch let error as RootfsError {
        return error
    } catch {
        Issue.record("expected a RootfsError, got \(error)")
    }
    return nil
}
