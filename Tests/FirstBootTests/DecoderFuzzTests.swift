// Property tests: random, truncated and mutated input never crashes or hangs the decoders; every
// rejection is an error with a path. Iteration counts are bounded and the seed is fixed.
import FirstBoot
import Foundation
import Testing

@Suite(.timeLimit(.minutes(10))) struct DecoderFuzzTests {
    static let alphabet = Array(#"{}[]:,"\ 0123456789.-+eEtrufalsn/abcdxyz\u00é"#.utf8) + [0x00, 0x0a, 0x80, 0xff]

    static func corpusSamples() throws -> [[UInt8]] {
        try Corpus.validationConfigs.map { try Corpus.bytes(Corpus.directory.appendingPathComponent($0)) }
            + Corpus.applyConfigs.map { try Corpus.bytes(Corpus.applyDirectory.appendingPathComponent($0 + ".ign")) }
    }

    /// Parses `bytes` and checks the report is coherent.
    static func check(_ bytes: [UInt8]) {
        let report = ConfigParser.parse(bytes)
        if report.config == nil { #expect(!report.errors.isEmpty) }
        if report.isValid { #expect(report.errors.isEmpty) }
    }

    @Test func randomBytes() {
        var random = SeededGenerator(seed: 0x51_1b_ae)
        for _ in 0..<4000 {
            let length = Int.random(in: 0..<160, using: &random)
            let bytes = (0..<length).map { _ in DecoderFuzzTests.alphabet.randomElement(using: &random) ?? 0 }
            DecoderFuzzTests.check(bytes)
            _ = try? JSONParser.parse(bytes)
        }
    }

    @Test func everyTruncationOfTheCorpus() throws {
        for sample in try DecoderFuzzTests.corpusSamples() {
            let step = max(1, sample.count / 200)
            for end in stride(from: 0, to: sample.count, by: step) {
                let prefix = Array(sample[0..<end])
                let report = ConfigParser.parse(prefix)
                // A prefix decodes only when it already holds the whole top-level object.
                #expect(report.config == nil || prefix.last(where: { $0 != 0x0a && $0 != 0x20 }) == UInt8(ascii: "}"))
            }
        }
    }

    @Test func mutatedCorpus() throws {
        var random = SeededGenerator(seed: 42)
        let samples = try DecoderFuzzTests.corpusSamples()
        for _ in 0..<3000 {
            guard var bytes = samples.randomElement(using: &random), !bytes.isEmpty else { continue }
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let index = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: bytes[index] = DecoderFuzzTests.alphabet.randomElement(using: &random) ?? 0
                case 1: bytes.remove(at: index)
                default: bytes.insert(DecoderFuzzTests.alphabet.randomElement(using: &random) ?? 0, at: index)
                }
                if bytes.isEmpty { break }
            }
            DecoderFuzzTests.check(bytes)
        }
    }

    @Test(arguments: [10_000, 100_000])
    func deepNestingIsAnErrorNotACrash(_ depth: Int) {
        for open in ["[", "{\"a\":"] {
            let bytes = Array(String(repeating: open, count: depth).utf8)
            let report = ConfigParser.parse(bytes)
            #expect(report.config == nil)
            #expect(report.errors.first?.message.contains("max depth") == true)
        }
    }

    @Test func randomStringsThroughTheOtherParsers() {
        var random = SeededGenerator(seed: 7)
        let pieces = [
            "data:", "http://", ";base64", ",", "%", "%4", "%41", "[", "]", "=", "\n", "\\", "a", "/", ":", "@", "?",
            "#", " ", "é",
        ]
        for _ in 0..<5000 {
            let text = (0..<Int.random(in: 0..<12, using: &random)).map { _ in
                pieces.randomElement(using: &random) ?? ""
            }.joined()
            _ = DataURL.decode(text)
            _ = ResourceURL(text)
            _ = UnitFile.parse(text)
            _ = Base64.decode(Array(text.utf8))
        }
    }

    @Test func randomAndDamagedGzipNeverCrashes() throws {
        var random = SeededGenerator(seed: 99)
        let original = try Data(contentsOf: Corpus.applyDirectory.appendingPathComponent("files.ign"))
        let compressed = try GzipTool.compress(Array(original))
        for _ in 0..<2000 {
            var bytes = compressed
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                bytes[Int.random(in: 10..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            if let output = try? Gzip.decompress(bytes, limit: 1 << 20) {
                // The CRC check makes undetected damage all but impossible.
                #expect(output == Array(original))
            }
            let noise = (0..<Int.random(in: 0..<64, using: &random)).map { _ in
                UInt8.random(in: 0...255, using: &random)
            }
            _ = try? Gzip.decompress([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3] + noise, limit: 1 << 20)
        }
    }
}
