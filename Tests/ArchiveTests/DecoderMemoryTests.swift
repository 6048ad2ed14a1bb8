import Archive
import Foundation
import TestSupport
import Testing

/// xz and LZMA-alone data name the dictionary their decoder must allocate; a small archive that
/// names a huge one is refused before the decoder fills it, from every kind of input, and the
/// dictionaries xz's presets use read as before.
@Suite struct DecoderMemoryTests {
    enum Input: String, CaseIterable, Sendable {
        case file, memory, nested
    }

    /// A small tar of three members, compressed with a 1 MiB dictionary, whose header then claims
    /// a dictionary of `dictionaryByte`'s size (the LZMA2 encoding: (2 | b & 1) << (b / 2 + 11)).
    /// `lzma` makes LZMA-alone data instead, whose header holds the size itself.
    static func archive(dictionary: UInt64, lzma: Bool = false, in scratch: TemporaryDirectory) throws -> String {
        let tar = try writeTar(
            [.file("a", "first"), Member(name: "b", patternSize: 300_000), .file("c", "last")],
            to: scratch.file("layer.tar"))
        let format = lzma ? "lzma" : "xz"
        try runChecked(["xz", "-k", "-f", "-T1", "--format=\(format)", "--lzma\(lzma ? 1 : 2)=preset=0,dict=1MiB", tar])
        let path = tar + "." + format
        var bytes = try bytes(ofFile: path)
        if lzma {
            for index in 0..<4 { bytes[1 + index] = UInt8(truncatingIfNeeded: dictionary >> (8 * index)) }
        } else {
            // The block header follows the 12-byte stream header: size byte, flags, filter 0x21
            // (LZMA2) with one property byte, padding and a CRC32 of the header before it.
            let start = 12
            let size = (Int(bytes[start]) + 1) * 4
            guard let filter = (start..<start + size).first(where: { bytes[$0] == 0x21 && bytes[$0 + 1] == 0x01 })
            else { throw FixtureError(message: "no LZMA2 filter in the block header") }
            let exponent = UInt64.bitWidth - 1 - dictionary.leadingZeroBitCount
            let odd: UInt8 = dictionary == 3 << (exponent - 1) ? 1 : 0
            bytes[filter + 2] = UInt8(exponent - 12) * 2 + odd
            let crc = crc32(bytes[start..<start + size - 4])
            for index in 0..<4 { bytes[start + size - 4 + index] = UInt8(truncatingIfNeeded: crc >> (8 * index)) }
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func crc32(_ bytes: some Collection<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    /// Reads the archive at `path` through `input`; returns its members' names.
    static func names(_ path: String, through input: Input, scratch: TemporaryDirectory) throws -> [String] {
        switch input {
        case .file: return try readEverything(try ArchiveReader(path: path, label: "layer")).map(\.entry.path)
        case .memory:
            return try readEverything(try ArchiveReader(bytes: try bytes(ofFile: path), label: "layer")).map(
                \.entry.path)
        case .nested:
            let outer = scratch.file("outer.tar")
            try runChecked([
                "tar", "-cf", outer, "-C", URL(fileURLWithPath: path).deletingLastPathComponent().path,
                URL(fileURLWithPath: path).lastPathComponent,
            ])
            let reader = try ArchiveReader(path: outer, label: "outer")
            _ = try reader.next()
            return try readEverything(try ArchiveReader(currentMemberOf: reader, label: "layer")).map(\.entry.path)
        }
    }

    @Test(arguments: [UInt64(768) << 20, 192 << 20, 128 << 20], Input.allCases)
    func xzAskingForMoreThanTheLimitIsRefused(dictionary: UInt64, input: Input) throws {
        let scratch = try TemporaryDirectory("xz-memory")
        let path = try Self.archive(dictionary: dictionary, in: scratch)
        let error = try #require(throws: ArchiveError.self) { try Self.names(path, through: input, scratch: scratch) }
        #expect(error.archive == "layer")
        #expect(error.operation == "open" || error.operation == "read first header", "\(error)")
        #expect(
            error.message
                == "the xz data needs \(dictionary >> 20) MiB of memory to decompress (its dictionary), more than "
                + "the 128 MiB slipway allows; compress it with xz -9 or a smaller dictionary")
    }

    /// xz -9's dictionary, and one between the presets, read as before.
    @Test(arguments: [UInt64(64) << 20, 96 << 20], Input.allCases)
    func xzWithinTheLimitReads(dictionary: UInt64, input: Input) throws {
        let scratch = try TemporaryDirectory("xz-memory")
        let path = try Self.archive(dictionary: dictionary, in: scratch)
        #expect(try Self.names(path, through: input, scratch: scratch) == ["a", "b", "c"])
    }

    /// LZMA-alone data carries one dictionary size, in its header, and libarchive recognizes it
    /// only up to 128 MiB: a larger one is not taken for LZMA at all.
    @Test(arguments: Input.allCases)
    func lzmaDeclaringAHugeDictionaryIsNotRead(input: Input) throws {
        let scratch = try TemporaryDirectory("lzma-memory")
        let path = try Self.archive(dictionary: 256 << 20, lzma: true, in: scratch)
        let error = try #require(throws: ArchiveError.self) { try Self.names(path, through: input, scratch: scratch) }
        #expect(error.archive == "layer" && error.operation == "open")
        #expect(error.message == "Unrecognized archive format")

        let ordinary = try Self.archive(dictionary: 8 << 20, lzma: true, in: scratch)
        #expect(try Self.names(ordinary, through: input, scratch: scratch) == ["a", "b", "c"])
    }

    /// libarchive would decompress xz under gzip with its own, unbounded decoder.
    @Test func xzInsideAnotherCompressionIsRefused() throws {
        let scratch = try TemporaryDirectory("xz-memory")
        let path = try Self.archive(dictionary: 1 << 20, in: scratch)
        try runChecked(["gzip", "-n", path])
        let error = try #require(throws: ArchiveError.self) {
            try Self.names(path + ".gz", through: .file, scratch: scratch)
        }
        #expect(error.operation == "open")
        #expect(error.message == "xz or lzma data inside another compression is not read; compress the archive once")
    }

    /// A zstd frame names its window; libzstd refuses one over its default limit of 128 MiB. This
    /// one asks for 1 GiB and holds a gibibyte of zeros in 33 KB of run-length blocks.
    @Test func zstdAskingForAGibibyteWindowIsRefused() throws {
        let scratch = try TemporaryDirectory("zstd-memory")
        var header = [UInt8](repeating: 0, count: 512)
        for (index, byte) in "zeros".utf8.enumerated() { header[index] = byte }
        for (offset, text) in [(100, "0000644"), (108, "0000000"), (116, "0000000"), (124, "10000000000"), (136, "0")] {
            for (index, byte) in text.utf8.enumerated() { header[offset + index] = byte }
        }
        header[156] = UInt8(ascii: "0")
        for index in 148..<156 { header[index] = 0x20 }
        let sum = String(header.reduce(0) { $0 + Int($1) }, radix: 8)
        for (index, byte) in (String(repeating: "0", count: 6 - sum.count) + sum).utf8.enumerated() {
            header[148 + index] = byte
        }
        header[154] = 0
        func block(_ type: UInt32, size: Int, last: Bool = false) -> [UInt8] {
            let word = UInt32(size) << 3 | type << 1 | (last ? 1 : 0)
            return [UInt8(word & 0xff), UInt8(word >> 8 & 0xff), UInt8(word >> 16 & 0xff)]
        }
        // Magic, a frame header with only a window descriptor (2^30), a raw block with the tar
        // header, run-length blocks of 128 KiB of zeros, and the tar's end.
        var frame: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD, 0x00, (30 - 10) << 3]
        frame += block(0, size: 512) + header
        for _ in 0..<(8192) { frame += block(1, size: 128 << 10) + [0] }
        frame += block(1, size: 1024, last: true) + [0]
        let path = scratch.file("window.tar.zst")
        try Data(frame).write(to: URL(fileURLWithPath: path))
        let error = try #require(throws: ArchiveError.self) { try Self.names(path, through: .file, scratch: scratch) }
        #expect(error.operation == "open")
        #expect(error.message == "Zstd decompression failed: Frame requires too much memory for decoding")
    }
}
