// The headers in front of one tar member, read again by us: libarchive parses pax extended headers
// more leniently than Go's archive/tar, which containerd, moby, BuildKit and umoci unpack layers
// with, and the difference changes what a member is called:
//
//   - a NUL byte in a pax value is where libarchive's C string ends: "path=etc/passwd\0.txt" names
//     the member etc/passwd, where Go refuses the header;
//   - a malformed record, or a key with a NUL, makes libarchive ignore the whole extended header with
//     a warning, so the member keeps its ustar name, where Go refuses the header.
//
// Layers are untrusted, so the reader refuses what Go refuses instead of unpacking a member under a
// name no other unpacker gives it. A chain is the special headers ('x', 'g', 'L', 'K', ...) and their
// bodies, ended by the member's own header; see "pax Interchange Format" in POSIX.1-2017 and Go's
// archive/tar `parsePAXRecord` and `validPAXRecord`.
//
//   | special header | body, padded to 512 | ... | member header | (member data)
//   pax body:  "<length> <key>=<value>\n" repeated; length counts the whole record in decimal

/// Follows the header chain of one tar member, fed in order from the chain's first byte, and
/// records the first problem of its pax records. It stops at the member's own header; whatever
/// follows is ignored.
struct TarHeaderChain {
    /// The largest pax body kept to be checked; libarchive refuses bodies over 1 MiB itself.
    static let maximumPaxBody = 16 << 20

    /// Why the chain is refused, or nil.
    private(set) var problem: String?
    /// Whether the member's own header has been seen (or a problem found): no more bytes are needed.
    var isFinished: Bool { if case .finished = state { true } else { false } }

    private enum State {
        case header
        /// Keeping the body of a pax header ('x', 'g', 'X') of `size` bytes.
        case pax(size: Int)
        /// Passing over `remaining` bytes: another special header's body, or a pax body's padding.
        case skip(remaining: Int)
        case finished
    }

    private var state = State.header
    private var pending: [UInt8] = []

    /// Special headers after which libarchive reads another header for the same member: pax
    /// ('x', 'g', and Sun's 'X'), GNU long names ('L', 'K'), GNU volume labels ('V') and Solaris
    /// ACLs ('A'). A type missing here would end the walk early and leave later headers unchecked.
    private static let paxTypes: Set<UInt8> = [UInt8(ascii: "x"), UInt8(ascii: "g"), UInt8(ascii: "X")]
    private static let otherSpecialTypes: Set<UInt8> = [
        UInt8(ascii: "L"), UInt8(ascii: "K"), UInt8(ascii: "V"), UInt8(ascii: "A"),
    ]

    /// Reads the next bytes of the chain.
    mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        var rest = bytes[...]
        while !rest.isEmpty {
            switch state {
            case .finished:
                return
            case .skip(let remaining):
                let taken = min(remaining, rest.count)
                rest = rest.dropFirst(taken)
                state = remaining == taken ? .header : .skip(remaining: remaining - taken)
            case .header:
                let taken = min(512 - pending.count, rest.count)
                pending += rest.prefix(taken)
                rest = rest.dropFirst(taken)
                if pending.count == 512 { readHeader() }
            case .pax(let size):
                let taken = min(size - pending.count, rest.count)
                pending += rest.prefix(taken)
                rest = rest.dropFirst(taken)
                if pending.count == size {
                    if let problem = Self.problem(inPaxBody: pending) { return finish(problem) }
                    pending = []
                    state = size % 512 == 0 ? .header : .skip(remaining: Self.padding(size))
                }
            }
        }
    }

    private mutating func finish(_ problem: String?) {
        self.problem = problem
        state = .finished
        pending = []
    }

    private mutating func readHeader() {
        let header = pending
        pending = []
        let type = header[156]
        let isPax = Self.paxTypes.contains(type)
        guard isPax || Self.otherSpecialTypes.contains(type), !header.allSatisfy({ $0 == 0 }) else {
            return finish(nil)
        }
        guard let size = Self.size(header[124..<136]) else {
            // libarchive refuses such a header itself; there is nothing further to check.
            return finish(nil)
        }
        if type == UInt8(ascii: "V") {
            // libarchive reads the next header right after a volume label, without passing over
            // any data; one that claims data would be read differently by other readers.
            if size != 0 { return finish("a GNU volume header claims \(size) bytes of data") }
        } else if !isPax {
            state = size == 0 ? .header : .skip(remaining: size + Self.padding(size))
        } else if size > Self.maximumPaxBody {
            finish("a pax extended header of \(size) bytes is larger than the \(Self.maximumPaxBody) allowed")
        } else {
            state = size == 0 ? .header : .pax(size: size)
        }
    }

    private static func padding(_ size: Int) -> Int { (512 - size % 512) % 512 }

    /// A tar number field as libarchive reads it: base-256 when the first byte has its high bit
    /// set, else octal after optional spaces, up to the first other byte. nil when negative or
    /// too large.
    static func size(_ field: ArraySlice<UInt8>) -> Int? {
        guard let first = field.first else { return 0 }
        if first & 0x80 != 0 {
            guard first & 0x40 == 0 else { return nil }
            var value = Int(first & 0x3f)
            for byte in field.dropFirst() {
                guard value <= Int.max >> 8 else { return nil }
                value = value << 8 | Int(byte)
            }
            return value
        }
        var value = 0
        for byte in field.drop(while: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) {
            guard (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(byte) else { break }
            guard value <= Int.max >> 3 else { return nil }
            value = value << 3 | Int(byte - UInt8(ascii: "0"))
        }
        return value
    }
}

extension TarHeaderChain {
    /// Keys whose value is a name, which a C string would cut at a NUL: Go's list (path, linkpath,
    /// uname, gname) and GNU.sparse.name, which both readers take for the member's name.
    static let nameKeys: Set<String> = ["path", "linkpath", "uname", "gname", "GNU.sparse.name"]

    /// The first thing wrong with the records of a pax body, checked as Go's archive/tar checks
    /// them, or nil.
    static func problem(inPaxBody body: [UInt8]) -> String? {
        var rest = body[...]
        while !rest.isEmpty {
            guard let space = rest.firstIndex(of: UInt8(ascii: " ")), space > rest.startIndex,
                space - rest.startIndex <= 20,
                rest[..<space].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
                let length = Int(String(decoding: rest[..<space], as: UTF8.self)),
                length > space - rest.startIndex + 1, length <= rest.count
            else {
                return "a pax extended header has a malformed record (\(describe(rest.prefix(32))))"
            }
            let record = rest.prefix(length)
            rest = rest.dropFirst(length)
            guard record.last == UInt8(ascii: "\n"),
                let equals = record[(space + 1)...].firstIndex(of: UInt8(ascii: "="))
            else {
                return "a pax extended header has a malformed record (\(describe(record.prefix(32))))"
            }
            let key = record[(space + 1)..<equals]
            let value = record[(equals + 1)..<(record.endIndex - 1)]
            let name = String(decoding: key, as: UTF8.self)
            if key.isEmpty { return "a pax extended header has a record without a key" }
            if key.contains(0) { return "the pax record key \(describe(key)) contains a NUL byte" }
            if nameKeys.contains(name), value.contains(0) {
                return "the pax record \"\(name)\" contains a NUL byte (\(describe(value)))"
            }
            // libarchive decodes these names from %XX escapes; a NUL would cut the name short.
            if name.hasPrefix("LIBARCHIVE.xattr."), name.lowercased().contains("%00") {
                return "the pax record key \(describe(key)) names an extended attribute with a NUL byte"
            }
        }
        return nil
    }

    /// Bytes as printable text: control bytes and NUL as \xNN, at most 64 bytes.
    static func describe(_ bytes: some Collection<UInt8>) -> String {
        var text = "\""
        for byte in bytes.prefix(64) {
            if byte >= 0x20 && byte < 0x7f && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                text.append(Character(Unicode.Scalar(byte)))
            } else {
                text += "\\x" + String(byte, radix: 16).leftPadded(to: 2)
            }
        }
        return text + (bytes.count > 64 ? "...\"" : "\"")
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
