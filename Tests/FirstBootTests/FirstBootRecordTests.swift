// The first-boot result record: what the image writes, what later boots read back, and the records
// they refuse.
import FirstBoot
import Foundation
import TestSupport
import Testing

struct FirstBootRecordTests {
    @Test func roundTripsEveryField() throws {
        var arguments = KernelArguments()
        arguments.shouldExist = ["quiet", "console=ttyS0"]
        arguments.shouldNotExist = ["debug"]
        let record = FirstBootRecord(
            time: "2024-05-01T12:00:00Z", uptime: 5.3064, outcome: .failed, source: "qemu fw_cfg opt/com.coreos/config",
            digest: FirstBootRecord.digest(of: Array("{}".utf8)), warnings: ["1:2: warning: $.x: unknown key"],
            error: "first boot failed: a \"quoted\" reason", kernelArguments: arguments)
        let text = record.serialized()
        #expect(text.hasSuffix("}\n"))
        #expect(text.contains("\"uptime\": 5.306,"))
        var expected = record
        expected.uptime = 5.306
        #expect(try FirstBootRecord(parsing: Array(text.utf8)) == expected)
        // Python's json module is the independent reader.
        let python = try runTool(
            [
                "python3", "-c",
                "import json,sys; r=json.load(sys.stdin); print(r['outcome'], r['error'], r['version'])",
            ],
            input: Data(text.utf8))
        #expect(python.stdout == "failed first boot failed: a \"quoted\" reason 1\n", "\(python.stderr)")
    }

    @Test func leavesOutWhatIsNotKnown() throws {
        let record = FirstBootRecord(time: "2024-05-01T12:00:00Z", outcome: .noConfig)
        let text = record.serialized()
        for key in ["uptime", "source", "digest", "error", "kernelArguments"] {
            #expect(!text.contains("\"\(key)\""), "\(key) in \(text)")
        }
        #expect(try FirstBootRecord(parsing: Array(text.utf8)) == record)
    }

    /// The sha256 of "abc" (FIPS 180-2, appendix B.1).
    @Test func digestIsSHA256WithItsPrefix() {
        #expect(
            FirstBootRecord.digest(of: Array("abc".utf8))
                == "sha256-ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test(arguments: [(FirstBootRecord.Outcome.applied, true), (.noConfig, true), (.failed, false)])
    func onlyAFailedOutcomeIsTriedAgain(outcome: FirstBootRecord.Outcome, isFinal: Bool) {
        #expect(outcome.isFinal == isFinal)
    }

    @Test func nowIsRFC3339UTC() {
        let now = FirstBootRecord.now()
        #expect(now.count == 20 && now.hasSuffix("Z") && now.dropFirst(10).first == "T", "\(now)")
        #expect(now.hasPrefix(String(Calendar(identifier: .gregorian).component(.year, from: Date()))))
    }

    @Test(arguments: [
        ("{", "read first-boot record /r.json: invalid JSON: "),
        (#"{"outcome": "done"}"#, "read first-boot record /r.json: no valid \"outcome\" (expected applied, "),
        (#"["applied"]"#, "read first-boot record /r.json: no valid \"outcome\""),
    ])
    func refusesWhatIsNotARecord(text: String, message: String) {
        #expect {
            _ = try FirstBootRecord(parsing: Array(text.utf8), path: "/r.json")
        } throws: { error in
            "\(error)".hasPrefix(message)
        }
    }
}
