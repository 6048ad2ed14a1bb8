import Archive
import Foundation
import TestSupport
import Testing

/// Extended headers that libarchive would read leniently (a name cut at a NUL byte, a malformed
/// header ignored) are refused as Go's archive/tar refuses them, from every kind of input; the
/// extended headers real tar writers produce read as before.
@Suite struct PaxHeaderTests {
    /// How the archive reaches the reader.
    enum Input: String, CaseIterable, Sendable {
        case file, gzip, zstd, xz, memory, range, nested
    }

    /// Reads every member of the tar of `members`, given through `input`; returns the members' names.
    static func names(_ members: [PaxMember], through input: Input) throws -> [String] {
        let scratch = try TemporaryDirectory("pax")
        let compression: Compression =
            switch input {
            case .gzip: .gzip
            case .zstd: .zstd
            case .xz: .xz
            default: .none
            }
        let tar = try writePaxTar(members, to: scratch.file("layer.tar"), compression: compression)
        let reader: ArchiveReader
        switch input {
        case .file, .gzip, .zstd, .xz: reader = try ArchiveReader(path: tar, label: "layer")
        case .memory: reader = try ArchiveReader(bytes: try bytes(ofFile: tar), label: "layer")
        case .range:
            // The tar between 4 KiB of something else on either side, as a layer in a docker archive.
            let padded = scratch.file("padded")
            let filler = [UInt8](repeating: 0x5a, count: 4096)
            try Data(filler + (try bytes(ofFile: tar)) + filler).write(to: URL(fileURLWithPath: padded))
            let length = Int64(try bytes(ofFile: tar).count)
            reader = try ArchiveReader(path: padded, offset: 4096, length: length, label: "layer")
        case .nested:
            try runChecked(["tar", "-cf", scratch.file("outer.tar"), "-C", scratch.path, "layer.tar"])
            let outer = try ArchiveReader(path: scratch.file("outer.tar"), label: "outer")
            _ = try outer.next()
            let inner = try ArchiveReader(currentMemberOf: outer, label: "layer")
            return try readEverything(inner).map(\.entry.path)
        }
        return try readEverything(reader).map(\.entry.path)
    }

    struct Refused: Sendable, CustomTestStringConvertible {
        var name: String
        var special: [PaxMember.Special]
        var type = "0"
        /// The member's name as libarchive gives it, which the error names.
        var member: String
        var problem: String
        var testDescription: String { name }
    }

    static let nul: [UInt8] = [0]
    static let refused: [Refused] = [
        Refused(
            name: "NUL in path", special: [.pax("path", Array("etc/passwd".utf8) + nul + Array(".txt".utf8))],
            member: "etc/passwd", problem: #"the pax record "path" contains a NUL byte ("etc/passwd\x00.txt")"#),
        Refused(
            name: "NUL in linkpath", special: [.pax("linkpath", Array("/etc/shadow".utf8) + nul + [0x78])], type: "2",
            member: "placeholder", problem: #"the pax record "linkpath" contains a NUL byte ("/etc/shadow\x00x")"#),
        Refused(
            name: "NUL in GNU.sparse.name",
            special: [.pax("GNU.sparse.name", Array("etc/passwd".utf8) + nul + Array("x".utf8))],
            member: "etc/passwd", problem: #"the pax record "GNU.sparse.name" contains a NUL byte ("etc/passwd\x00x")"#),
        Refused(
            name: "NUL in uname", special: [.pax("uname", Array("root".utf8) + nul)], member: "placeholder",
            problem: #"the pax record "uname" contains a NUL byte ("root\x00")"#),
        Refused(
            name: "NUL in a key", special: [.pax([(Array("pa".utf8) + nul + Array("th".utf8), Array("x".utf8))])],
            member: "placeholder", problem: #"the pax record key "pa\x00th" contains a NUL byte"#),
        Refused(
            name: "NUL in a global header's path",
            special: [.pax("path", Array("g".utf8) + nul + Array("h".utf8), type: "g")], member: "placeholder",
            problem: #"the pax record "path" contains a NUL byte ("g\x00h")"#),
        Refused(
            name: "record length that does not match", special: [.raw(Array("13 path=abc\n".utf8))],
            member: "placeholder", problem: #"a pax extended header has a malformed record ("13 path=abc\x0a")"#),
        Refused(
            name: "record without =", special: [.raw(Array("12 pathabcd\n".utf8))], member: "placeholder",
            problem: #"a pax extended header has a malformed record ("12 pathabcd\x0a")"#),
        Refused(
            name: "NUL bytes after the records",
            special: [.raw(PaxMember.record(Array("path".utf8), Array("ok".utf8)) + [0, 0, 0])], member: "placeholder",
            problem: #"a pax extended header has a malformed record ("\x00\x00\x00")"#),
        Refused(
            name: "libarchive xattr name with an escaped NUL",
            special: [.pax("LIBARCHIVE.xattr.security.capability%00x", Array("AQAAAg==".utf8))], member: "placeholder",
            problem:
                #"the pax record key "LIBARCHIVE.xattr.security.capability%00x" names an extended attribute with a NUL byte"#
        ),
        Refused(
            name: "NUL in the last of a long chain",
            special: (0..<24).map { index in .pax("comment", [UInt8](repeating: 0x61 + UInt8(index), count: 100_000)) }
                + [.pax("path", Array("deep".utf8) + nul + Array("er".utf8))],
            member: "deep", problem: #"the pax record "path" contains a NUL byte ("deep\x00er")"#),
    ]

    @Test(arguments: refused, Input.allCases)
    func refusedWhereLibarchiveWouldBeLenient(_ refused: Refused, input: Input) throws {
        let members = [
            PaxMember(name: "before", data: Array("ok".utf8)),
            PaxMember(
                name: "placeholder", type: refused.type, link: refused.type == "2" ? "target" : "",
                data: refused.type == "0" ? Array("evil".utf8) : [], before: refused.special),
            PaxMember(name: "after"),
        ]
        do {
            let names = try Self.names(members, through: input)
            Issue.record("read without an error: \(names)")
        } catch let error as ArchiveError {
            #expect(error.archive == "layer")
            #expect(error.operation == "read header of \(refused.member)")
            #expect(
                error.message
                    == refused.problem + "; tar readers disagree on the name such a header gives, so it is refused")
        }
    }

    static let accepted: [(String, [PaxMember], [String])] = [
        (
            "a long name and a long link target",
            [
                PaxMember(
                    name: "short", data: [1],
                    before: [.pax("path", Array(String(repeating: "d/", count: 150).utf8) + [0x66])]
                ),
                PaxMember(
                    name: "link", type: "2", link: "t",
                    before: [.pax("linkpath", Array(("/" + String(repeating: "x", count: 300)).utf8))]),
            ],
            [String(repeating: "d/", count: 150) + "f", "link"]
        ),
        (
            "xattr values holding NUL bytes, comments, times and a global header",
            [
                PaxMember(
                    name: "cap", data: [1],
                    before: [
                        .pax([
                            (Array("SCHILY.xattr.security.capability".utf8), [1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0]),
                            (Array("mtime".utf8), Array("1700000000.5".utf8)),
                            (Array("comment".utf8), Array("any text".utf8)),
                        ])
                    ]),
                PaxMember(name: "after", before: [.pax("comment", Array("global".utf8), type: "g")]),
            ],
            ["cap", "after"]
        ),
        (
            "non-ASCII names and a GNU long name",
            [
                PaxMember(name: "x", before: [.pax("path", Array("caf\u{e9}/\u{65e5}\u{672c}".utf8))]),
                PaxMember(
                    name: "y", before: [.raw(Array(String(repeating: "l", count: 200).utf8) + [0], type: "L")]),
            ],
            ["caf\u{e9}/\u{65e5}\u{672c}", String(repeating: "l", count: 200)]
        ),
    ]

    @Test(arguments: Input.allCases)
    func extendedHeadersOfRealWritersRead(input: Input) throws {
        for (name, members, expected) in Self.accepted {
            #expect(try Self.names(members, through: input) == expected, "\(name)")
        }
    }

    /// GNU tar in POSIX format writes an extended header for every member.
    @Test(arguments: [Compression.none, .gzip, .xz])
    func gnuTarPosixArchivesRead(compression: Compression) throws {
        let scratch = try TemporaryDirectory("pax")
        let tree = scratch.file("tree")
        let long = String(repeating: "n", count: 120)
        try FileManager.default.createDirectory(atPath: tree + "/" + long, withIntermediateDirectories: true)
        for index in 0..<50 { try Data([UInt8(index)]).write(to: URL(fileURLWithPath: "\(tree)/\(long)/f\(index)")) }
        let tar = scratch.file("gnu.tar")
        try runChecked(["tar", "--format=posix", "--sort=name", "-cf", tar, "-C", tree, "."])
        let path = compression.command.map { _ in tar + compression.suffix } ?? tar
        if let command = compression.command { try runChecked(command + [tar]) }
        let members = try readEverything(try ArchiveReader(path: path, label: "gnu"))
        #expect(members.count == 52)
        #expect(members.last?.entry.path == "./\(long)/f9")
    }
}
