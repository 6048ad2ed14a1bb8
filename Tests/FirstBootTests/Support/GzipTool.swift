// gzip(1) as the independent compressor for decompression tests.
import Foundation
import TestSupport

enum GzipTool {
    static func compress(_ bytes: [UInt8], level: Int = 6) throws -> [UInt8] {
        let scratch = try TemporaryDirectory("gzip")
        let input = scratch.file("input")
        try Data(bytes).write(to: URL(fileURLWithPath: input))
        try runTool(["gzip", "-n", "-\(level)", input])
        return Array(try Data(contentsOf: URL(fileURLWithPath: input + ".gz")))
    }
}
