// Tars with hand-made extended headers, byte by byte: records with NUL bytes, malformed records,
// global headers, long chains. No tar writer produces these; a hostile layer can.
import Foundation

/// One member of a hand-made tar: its ustar header, its data, and the special headers before it.
public struct PaxMember: Encodable, Sendable {
    /// A special header ('x' pax, 'g' global pax, 'L' GNU long name...) and its body.
    public struct Special: Encodable, Sendable {
        public var type: String
        /// The body as given: records, or anything else.
        public var body: [UInt8]

        /// A pax header of well-formed records, with whatever bytes the keys and values hold.
        public static func pax(_ records: [([UInt8], [UInt8])], type: String = "x") -> Special {
            Special(type: type, body: records.flatMap { PaxMember.record($0.0, $0.1) })
        }

        public static func pax(_ key: String, _ value: [UInt8], type: String = "x") -> Special {
            pax([(Array(key.utf8), value)], type: type)
        }

        /// A special header whose body is exactly `body`.
        public static func raw(_ body: [UInt8], type: String = "x") -> Special { Special(type: type, body: body) }
    }

    public var name: String
    /// The ustar type flag: "0" file, "2" symlink, "5" directory...
    public var type: String
    public var link: String
    public var data: [UInt8]
    public var before: [Special]

    public init(name: String, type: String = "0", link: String = "", data: [UInt8] = [], before: [Special] = []) {
        self.name = name
        self.type = type
        self.link = link
        self.data = data
        self.before = before
    }

    /// One pax record, "<length> <key>=<value>\n", the length counting itself.
    public static func record(_ key: [UInt8], _ value: [UInt8]) -> [UInt8] {
        let body = [UInt8(ascii: " ")] + key + [UInt8(ascii: "=")] + value + [UInt8(ascii: "\n")]
        var length = body.count + 1
        while String(length).utf8.count + body.count != length { length += 1 }
        return Array(String(length).utf8) + body
    }
}

private let paxWriterScript = """
    import json, sys, tarfile
    def pad(b): return b + b'\\0' * (-len(b) % 512)
    def header(name, kind, size, link=''):
        i = tarfile.TarInfo(name); i.type = kind.encode(); i.size = size; i.mode = 0o644; i.mtime = 1700000000
        i.linkname = link
        return i.tobuf(tarfile.USTAR_FORMAT)
    out = bytearray()
    for m in json.load(open(sys.argv[1])):
        for s in m['before']:
            body = bytes(s['body'])
            out += header('PaxHeaders/' + m['name'][-60:], s['type'], len(body)) + pad(body)
        data = bytes(m['data'])
        out += header(m['name'], m['type'], len(data) if m['type'] == '0' else 0, m['link'])
        if m['type'] == '0': out += pad(data)
    out += b'\\0' * 1024
    open(sys.argv[2], 'wb').write(out)
    """

/// Writes `members` as a tar at `path` (plus the compression's suffix); returns the file's path.
@discardableResult
public func writePaxTar(_ members: [PaxMember], to path: String, compression: Compression = .none) throws -> String {
    let spec = path + ".json"
    try JSONEncoder().encode(members).write(to: URL(fileURLWithPath: spec))
    defer { try? FileManager.default.removeItem(atPath: spec) }
    try runChecked(["python3", "-c", paxWriterScript, spec, path])
    guard let command = compression.command else { return path }
    try runChecked(command + [path])
    return path + compression.suffix
}
