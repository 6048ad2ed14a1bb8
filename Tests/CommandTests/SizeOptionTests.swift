import ArgumentParser
import Profile
import Testing

@testable import Commands

/// `run --memory` and `--disk-size` follow the profile's size rules, with a plain number in MiB.
@Suite struct SizeOptionTests {
    @Test(arguments: [
        ("2048", 2048), ("512MiB", 512), ("512M", 512), ("2GiB", 2048), ("2G", 2048), ("1.5GiB", 1536),
        ("1048576K", 1024),
    ])
    func accepts(text: String, mebibytes: Int) throws {
        #expect(try SizeOption.mebibytes(text, flag: "--memory") == mebibytes)
    }

    /// The same words a profile gets for the same size (docs/profile.md), after the flag.
    @Test(arguments: ["2GB", "512MB", "lots", "1g", "", "-1"])
    func refusesWithTheProfileMessage(text: String) throws {
        guard case .failure(let rule) = Profile.parseSize(text) else {
            Issue.record("a profile accepts \(text)")
            return
        }
        let error = try #require(throws: ValidationError.self) { try SizeOption.mebibytes(text, flag: "--memory") }
        #expect(error.message == "--memory \"\(text)\": \(rule.message)")
    }

    @Test func decimalUnitsSayWhatToWrite() throws {
        let error = try #require(throws: ValidationError.self) { try SizeOption.mebibytes("2GB", flag: "--memory") }
        #expect(
            error.message == "--memory \"2GB\": decimal units are ambiguous; write 2GiB (sizes count in powers of 1024)"
        )
    }

    @Test(arguments: [
        ("1000K", "expected a whole number of MiB, like 1536MiB or 2GiB"), ("16M", "must be at least 32MiB"),
        ("99999999999", "size is too large"), ("4096TiB", "size is too large"),
    ])
    func refusesWhatQEMUCannotTake(text: String, message: String) throws {
        let error = try #require(throws: ValidationError.self) {
            try SizeOption.mebibytes(text, flag: "--memory", minimum: 32)
        }
        #expect(error.message == "--memory \"\(text)\": \(message)")
    }
}
