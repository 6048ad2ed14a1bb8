import FileHashing
import Foundation
import Hashing
import TestSupport
import Testing

struct SHA2Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    ])
    func sha256KnownAnswers(input: String, expected: String) {
        #expect(SHA256.hexDigest(Array(input.utf8)) == expected)
    }

    @Test func sha512KnownAnswer() {
        #expect(
            SHA512.hexDigest(Array("abc".utf8))
                == "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                + "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")
    }

    /// Every length around the block and padding boundaries, fed in odd-sized pieces, against coreutils.
    @Test(arguments: [0, 1, 55, 56, 63, 64, 65, 111, 112, 127, 128, 129, 1000, 100_003])
    func matchesCoreutils(length: Int) throws {
        let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let dir = try TemporaryDirectory()
        try Data(bytes).write(to: URL(fileURLWithPath: dir.file("input")))
        for (tool, function) in [("sha256sum", SHA256.self as any SHA2Function.Type), ("sha512sum", SHA512.self)] {
            var hasher = function.init()
            var offset = 0
            while offset < bytes.count {
                let end = min(bytes.count, offset + 37)
                bytes[offset..<end].withUnsafeBytes { hasher.update($0) }
                offset = end
            }
            let ours = hex(hasher.finalize())
            let theirs = try runTool([tool, dir.file("input")]).stdout.prefix { $0 != " " }
            #expect(ours == String(theirs), "\(tool) length \(length)")
        }
    }
}

struct SHA2FileTests {
    @Test func fileDigestMatchesInMemoryDigest() throws {
        let dir = try TemporaryDirectory()
        let bytes = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        try Data(bytes).write(to: URL(fileURLWithPath: dir.file("big")))
        #expect(try SHA256.hexDigest(ofFile: dir.file("big")) == SHA256.hexDigest(bytes))
    }

    /// The libcrypto path agrees with coreutils and with the portable implementation, on sizes around
    /// its 1 MiB read chunk and on an empty file.
    @Test(arguments: [0, 1, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, 3_000_000])
    func libcryptoFileDigestMatchesCoreutils(length: Int) throws {
        let dir = try TemporaryDirectory()
        let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ length) }
        try Data(bytes).write(to: URL(fileURLWithPath: dir.file("input")))
        let ours = try FileHashing.sha256Hex(ofFile: dir.file("input"))
        let coreutils = try runTool(["sha256sum", dir.file("input")]).stdout.prefix { $0 != " " }
        #expect(ours == String(coreutils))
        #expect(ours == SHA256.hexDigest(bytes))
        #expect(throws: HashingError.self) { try FileHashing.sha256Hex(ofFile: "/nonexistent/slipway") }
    }

    /// Sparse files: holes are hashed as the zeros they read as, wherever they sit. Each layout is
    /// written with real holes (seek past the end, then write) and checked against coreutils.
    @Test(arguments: [
        "hole", "data hole", "hole data", "data hole data", "hole data hole", "data hole data hole data",
    ])
    func sparseFileDigestMatchesCoreutils(layout: String) throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("sparse")
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        try #require(fd >= 0)
        var offset: off_t = 0
        for (index, part) in layout.split(separator: " ").enumerated() {
            // Odd sizes, so that data and holes do not line up with blocks or the read chunk.
            let length = (3 << 20) + 4_097 * (index + 1)
            if part == "data" {
                let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ index) }
                #expect(bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, offset) } == length)
            }
            offset += off_t(length)
        }
        #expect(ftruncate(fd, offset) == 0)
        close(fd)
        var status = stat()
        #expect(stat(path, &status) == 0 && Int64(status.st_blocks) * 512 < Int64(offset), "the file has no holes")
        let coreutils = String(try runTool(["sha256sum", path]).stdout.prefix { $0 != " " })
        #expect(try FileHashing.sha256Hex(ofFile: path) == coreutils)
        #expect(try SHA256.hexDigest(ofFile: path) == coreutils)
    }

    @Test func missingFileIsAnError() {
        #expect(throws: HashingError.self) { try SHA256.hexDigest(ofFile: "/nonexistent/slipway") }
    }
}
