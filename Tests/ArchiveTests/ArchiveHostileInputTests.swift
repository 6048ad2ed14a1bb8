import Archive
import Foundation
import TestSupport
import Testing

/// Damaged and hostile input ends in an ArchiveError naming the archive, never a crash or a hang.
@Suite struct ArchiveHostileInputTests {
    /// A valid three-member tar (pax format) to damage.
    static func validTar(in directory: String) throws -> [UInt8] {
        try python(
            """
            import tarfile, io
            with tarfile.open('ok.tar', 'w', format=tarfile.PAX_FORMAT) as t:
                for name, size in [('a', 10), ('b', 70000), ('c', 5)]:
                    i = tarfile.TarInfo(name); i.size = size
                    t.addfile(i, io.BytesIO(bytes(range(256)) * (size // 256 + 1)))
            """, in: directory)
        return try bytes(ofFile: directory + "/ok.tar")
    }

    /// Reads everything; returns the error that stopped it.
    static func failure(reading bytes: [UInt8], label: String) -> ArchiveError? {
        do {
            _ = try readEverything(try ArchiveReader(bytes: bytes, label: label))
            return nil
        } catch let error as ArchiveError {
            return error
        } catch {
            Issue.record("unexpected error type: \(error)")
            return nil
        }
    }

    enum Damage: String, CaseIterable {
        case empty, garbage, truncatedHeader, truncatedData, badChecksum, hugeClaimedSize, truncatedGzip

        /// The operation and libarchive message each damage must produce.
        var expected: (operation: String, message: String) {
            switch self {
            case .empty, .garbage: ("open", "Unrecognized archive format")
            case .truncatedHeader: ("read header after a", "Truncated tar archive")
            case .truncatedData: ("read data of b", "Truncated tar archive")
            case .badChecksum: ("read header after a", "Damaged tar archive")
            case .hugeClaimedSize: ("read data of huge", "Truncated tar archive")
            case .truncatedGzip: ("open", "truncated gzip input")
            }
        }
    }

    @Test(arguments: Damage.allCases)
    func damagedInputFails(_ damage: Damage) throws {
        let scratch = try TemporaryDirectory()
        let tar = try Self.validTar(in: scratch.path)
        let input: [UInt8]
        switch damage {
        case .empty: input = []
        case .garbage:
            var generator = SystemRandomNumberGenerator()
            input = (0..<8192).map { _ in UInt8.random(in: 1...255, using: &generator) }
        case .truncatedHeader: input = Array(tar[0..<(512 * 2 + 100)])
        case .truncatedData: input = Array(tar[0..<(tar.count / 2)])
        case .badChecksum:
            var damaged = tar
            // The name field of the second header ("b"), which no longer matches its checksum.
            damaged[1024] ^= 0x55
            input = damaged
        case .hugeClaimedSize:
            // A header that claims 8 GiB of data (octal size field) in a 2 KiB archive.
            var header = [UInt8](repeating: 0, count: 512)
            for (index, byte) in "huge".utf8.enumerated() { header[index] = byte }
            for (offset, text) in [
                (100, "0000644"), (108, "0000000"), (116, "0000000"), (124, "00100000000000"),
                (136, "14000000000"),
            ] {
                for (index, byte) in text.utf8.enumerated() { header[offset + index] = byte }
            }
            header[156] = UInt8(ascii: "0")
            for (index, byte) in "ustar\u{0}00".utf8.enumerated() { header[257 + index] = byte }
            for index in 148..<156 { header[index] = 0x20 }
            let sum = header.reduce(0) { $0 + Int($1) }
            for (index, byte) in String(sum, radix: 8).leftPadded(to: 6).utf8.enumerated() {
                header[148 + index] = byte
            }
            header[154] = 0
            input = header + [UInt8](repeating: 0x41, count: 1536)
        case .truncatedGzip:
            try tool(["gzip", "-k", scratch.file("ok.tar")])
            let gz = try bytes(ofFile: scratch.file("ok.tar.gz"))
            input = Array(gz[0..<(gz.count * 2 / 3)])
        }
        let error = try #require(Self.failure(reading: input, label: "bad-\(damage.rawValue)"))
        #expect(error.archive == "bad-\(damage.rawValue)")
        #expect(error.operation == damage.expected.operation)
        #expect(error.message == damage.expected.message)
    }

    /// mtree manifests name host files whose contents libarchive would read: not an archive we accept.
    @Test func refusesMtreeManifests() throws {
        let manifest = Array("#mtree\nsecret type=file contents=/etc/passwd\n".utf8)
        let error = try #require(Self.failure(reading: manifest, label: "m.mtree"))
        #expect(error.message.contains("Unrecognized archive format"))
    }

    @Test func rejectsNamesThatAreNotUTF8() throws {
        let scratch = try TemporaryDirectory()
        try python(
            """
            import tarfile, io
            with tarfile.open('latin1.tar', 'w', format=tarfile.GNU_FORMAT, encoding='latin-1') as t:
                i = tarfile.TarInfo('caf\\u00e9'); i.size = 1
                t.addfile(i, io.BytesIO(b'x'))
            """, in: scratch.path)
        let error = try #require(Self.failure(reading: try bytes(ofFile: scratch.file("latin1.tar")), label: "l.tar"))
        #expect(error.message == "member name is not valid UTF-8")
        #expect(error.operation == "read header after the start")
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
