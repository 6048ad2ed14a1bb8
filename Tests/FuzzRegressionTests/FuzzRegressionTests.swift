import Foundation
import FuzzChecks
import TestSupport
import Testing

/// Every input the fuzz targets keep (Fuzz/Corpus/KIND: seeds, and each input that once crashed,
/// hung or broke an expectation) replayed through the same checks as `make fuzz`, so a fixed bug
/// stays fixed without running the fuzzer.
@Suite(.timeLimit(.minutes(10))) struct FuzzRegressionTests {
    static func inputs(_ kind: String) throws -> [(name: String, bytes: [UInt8])] {
        let directory = packageRoot().appendingPathComponent("Fuzz/Corpus/\(kind)")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        return try names.map { name in
            (name, Array(try Data(contentsOf: directory.appendingPathComponent(name))))
        }
    }

    @Test(arguments: ["profile", "ignition", "butane", "tar", "image", "gpt"])
    func everyKeptInputPassesItsCheck(kind: String) throws {
        let scratch = try TemporaryDirectory("fuzz-\(kind)")
        let inputs = try Self.inputs(kind)
        #expect(!inputs.isEmpty, "Fuzz/Corpus/\(kind) holds no input")
        for (name, bytes) in inputs {
            let broken: String? =
                switch kind {
                case "profile": FuzzChecks.profile(bytes, directory: scratch.path)
                case "ignition": FuzzChecks.ignition(bytes)
                case "butane": FuzzChecks.butane(bytes)
                case "tar": FuzzChecks.tarLayer(bytes, directory: scratch.path)
                case "image": FuzzChecks.imageArchive(bytes, directory: scratch.path)
                default: FuzzChecks.gpt(bytes)
                }
            #expect(broken == nil, "\(kind)/\(name): \(broken ?? "")")
        }
    }
}
