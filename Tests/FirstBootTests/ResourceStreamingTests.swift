// Resources are streamed: data: URLs decoded and gzip decompressed chunk by chunk whatever the chunk
// boundaries, files written in bounded memory, and a resource whose digest differs never reaches its
// target (nor leaves a temporary file beside it).
import Foundation
import TestSupport
import Testing

@testable import FirstBoot

@Suite struct ResourceStreamingTests {
    /// Hands out `bytes` in chunks of `size` bytes, to put chunk boundaries everywhere.
    struct SmallChunks: ByteChunkSource {
        var chunks: ArrayChunks

        init(_ bytes: [UInt8], size: Int) { chunks = ArrayChunks(bytes, size: size) }

        mutating func nextChunk() -> ArraySlice<UInt8>? { chunks.nextChunk() }
    }

    static func decompress(_ bytes: [UInt8], chunkSize: Int) throws -> (output: [UInt8], largest: Int) {
        var decoder = GzipDecoder(SmallChunks(bytes, size: chunkSize))
        var output: [UInt8] = []
        var largest = 0
        while let chunk = try decoder.next() {
            output += chunk
            largest = max(largest, chunk.count)
        }
        return (output, largest)
    }

    @Test(arguments: [1, 2, 7, 4096])
    func gzipDecodesAcrossAnyChunkBoundary(_ chunkSize: Int) throws {
        var random = SeededGenerator(seed: UInt64(chunkSize))
        let text = Array(String(repeating: "slipway first boot\n", count: 9000).utf8)
        let noise = (0..<70_000).map { _ in UInt8.random(in: 0...255, using: &random) }
        let original = text + noise + text
        // Two members (gzip -1 and -9) and trailing zeros, as `cat a.gz b.gz` and padded media give.
        let stream = try GzipTool.compress(text, level: 1) + GzipTool.compress(original, level: 9) + [0, 0, 0]
        let (output, largest) = try ResourceStreamingTests.decompress(stream, chunkSize: chunkSize)
        #expect(output == text + original)
        #expect(largest <= 1 << 16 + 258)
    }

    @Test func gzipStreamsRefuseDamageAtTheEnd() throws {
        let stream = try GzipTool.compress(Array("hello".utf8))
        for (bytes, message) in [
            (stream + [0, 1], "not gzip data: bad magic number"),
            (Array(stream.dropLast(3)), "truncated gzip trailer"),
            (Array(stream.prefix(5)), "not gzip data: too short"),
        ] {
            let error = try #require(throws: InflateError.self) {
                try ResourceStreamingTests.decompress(bytes, chunkSize: 3)
            }
            #expect(error.description == message)
        }
    }

    @Test(arguments: ["data:;base64,c2xpcHdheSBmaXJzdCBib290Cg==", "data:text/plain,caf%C3%A9%20au%20lait", "data:,"])
    func dataURLsDecodeInChunks(_ url: String) throws {
        let payload = try DataURLPayload.parse(url).get()
        for size in [1, 3, 5, 1 << 16] {
            var chunks = payload.chunks(size: size)
            var bytes: [UInt8] = []
            while let chunk = chunks.nextChunk() {
                #expect(chunk.count <= max(size / 3 * 3, 3))
                bytes += chunk
            }
            #expect(bytes == (try DataURL.decode(url).get().bytes))
        }
    }

    @Test func aFailedVerificationLeavesNoTargetAndNoTemporary() throws {
        let scratch = try TemporaryDirectory("stream-verify")
        let root = RootDirectory(scratch.path)
        try Data("original\n".utf8).write(to: URL(fileURLWithPath: scratch.file("motd")))
        let gzipped = try GzipTool.compress([UInt8](repeating: 0x41, count: 300_000))
        var resource = Resource(source: "data:;base64," + Base64.encode(gzipped))
        resource.compression = "gzip"
        resource.verification.hash = "sha512-" + String(repeating: "0", count: 128)
        let loaded = try ResourceLoader().fetch(resource, subject: "$.storage.files.0")
        for target in ["/motd", "/new"] {
            var written = 0
            let error = try #require(throws: FirstBootError.self) {
                try root.writeAtomically(try root.resolve(target), path: target, mode: 0o644, uid: 0, gid: 0) {
                    write throws(FirstBootError) in
                    try loaded.stream(subject: "$.storage.files.0") { chunk throws(FirstBootError) in
                        written += chunk.count
                        try write(chunk)
                    }
                }
            }
            #expect(error.operation == "verify")
            #expect(written == 300_000, "every byte went to the temporary file before the digest was known")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == ["motd"])
        #expect(try String(contentsOfFile: scratch.file("motd"), encoding: .utf8) == "original\n")
    }

    @Test func applyVerifiesBeforeWritingAnything() throws {
        let scratch = try TemporaryDirectory("stream-apply")
        let gzipped = try GzipTool.compress(Array(String(repeating: "line\n", count: 50_000).utf8))
        let source = "data:;base64," + Base64.encode(gzipped)
        let wrong = "sha256-" + String(repeating: "0", count: 64)
        let text =
            #"{"ignition":{"version":"3.4.0"},"storage":{"files":[{"path":"/etc/a","contents":{"source":"data:,a"}},"#
            + #"{"path":"/var/big","contents":{"compression":"gzip","source":"\#(source)","#
            + #""verification":{"hash":"\#(wrong)"}}}]}}"#
        let error = try #require(throws: FirstBootError.self) { try ApplyTests.apply(text, root: scratch.path) }
        #expect(error.operation == "verify")
        #expect(error.message.hasPrefix("data:;base64,H4sI"))
        #expect(error.message.contains("… (\(source.utf8.count) bytes): sha256 is"), "long data: URLs are cut")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == [])
    }

    @Test func appendedFragmentsAreStreamedToo() throws {
        let scratch = try TemporaryDirectory("stream-append")
        let fragment = Array(String(repeating: "appended\n", count: 20_000).utf8)
        let source = "data:;base64," + Base64.encode(try GzipTool.compress(fragment))
        _ = try ApplyTests.apply(
            #"{"ignition":{"version":"3.4.0"},"storage":{"files":[{"path":"/etc/log","contents":{"source":"data:,first%0A"},"#
                + #""append":[{"compression":"gzip","source":"\#(source)"}]}]}}"#, root: scratch.path)
        let written = try Data(contentsOf: URL(fileURLWithPath: scratch.file("etc/log")))
        #expect(Array(written) == Array("first\n".utf8) + fragment)
    }

    /// The regression this suite is for: a 128 MiB gzip data URL used to be held in memory whole
    /// (decoded, then decompressed), so apply's peak RSS grew with the file.
    @Test func applyingALargeGzipDataURLStaysInBoundedMemory() throws {
        let scratch = try TemporaryDirectory("stream-rss")
        let size = 128 << 20
        try runTool(["sh", "-c", "head -c \(size) /dev/zero | gzip -9n > \(scratch.file("zeros.gz"))"])
        let gzipped = try Data(contentsOf: URL(fileURLWithPath: scratch.file("zeros.gz")))
        let config =
            #"{"ignition":{"version":"3.4.0"},"storage":{"files":[{"path":"/var/zeros","contents":"#
            + #"{"compression":"gzip","source":"data:;base64,\#(Base64.encode(Array(gzipped)))"}}]}}"#
        try Data(config.utf8).write(to: URL(fileURLWithPath: scratch.file("zeros.ign")))
        try FileManager.default.createDirectory(atPath: scratch.file("root"), withIntermediateDirectories: true)
        let result = try runTool([
            "/usr/bin/time", "-f", "max-rss-kib %M", FirstbootCommandTests.slipway, "firstboot", "apply",
            scratch.file("zeros.ign"), "--root", scratch.file("root"),
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let line = result.stderr.split(separator: "\n").last { $0.hasPrefix("max-rss-kib ") }
        let peakKiB = try #require(line.flatMap { Int($0.dropFirst("max-rss-kib ".count)) })
        #expect(peakKiB < 64 << 10, "peak RSS \(peakKiB) KiB for a \(size >> 20) MiB file")
        let attributes = try FileManager.default.attributesOfItem(atPath: scratch.file("root/var/zeros"))
        #expect((attributes[.size] as? Int) == size)
    }
}
