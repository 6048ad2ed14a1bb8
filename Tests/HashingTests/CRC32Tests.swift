import Foundation
import Hashing
import TestSupport
import Testing

struct CRC32Tests {
    @Test func checkValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
    }

    /// Every table entry (each single byte), and longer inputs fed in pieces, against zlib.crc32.
    @Test func matchesZlib() throws {
        var inputs: [[UInt8]] = (0...255).map { [UInt8($0)] }
        for length in [2, 3, 91, 92, 512, 16_384, 100_003] {
            inputs.append((0..<length).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ length) })
        }
        let hexLines = inputs.map { $0.map { String(format: "%02x", $0) }.joined() }.joined(separator: "\n")
        let python = try runTool(
            [
                "python3", "-c",
                "import sys, zlib\nfor line in sys.stdin.read().split('\\n'): print(zlib.crc32(bytes.fromhex(line)))",
            ],
            input: Data(hexLines.utf8))
        #expect(python.status == 0, "\(python.stderr)")
        let theirs = python.stdout.split(separator: "\n").map { UInt32($0) }
        #expect(theirs.count == inputs.count)
        for (input, expected) in zip(inputs, theirs) {
            var streaming = CRC32()
            var offset = 0
            while offset < input.count {
                let end = min(input.count, offset + 1000)
                streaming.update(input[offset..<end])
                offset = end
            }
            #expect(CRC32.checksum(input) == expected, "length \(input.count)")
            #expect(streaming.value == expected, "streamed, length \(input.count)")
        }
    }
}
