import Foundation
import Testing

@testable import Runner

@Suite struct ConsoleBufferTests {
    func buffer(_ chunks: [(String, Int)]) -> ConsoleBuffer {
        let buffer = ConsoleBuffer()
        for (text, millisecond) in chunks { buffer.append(Array(text.utf8), at: .milliseconds(millisecond)) }
        return buffer
    }

    func regex(_ pattern: String) throws -> NSRegularExpression { try ConsolePattern(pattern).regex }

    @Test func splitsLinesAndDropsCarriageReturns() {
        let buffer = buffer([("one\r\ntw", 10), ("o\r\nthr", 20)])
        #expect(
            buffer.complete == [
                ConsoleLine(text: "one", time: .milliseconds(10)), ConsoleLine(text: "two", time: .milliseconds(10)),
            ])
        #expect(buffer.unfinished == ConsoleLine(text: "thr", time: .milliseconds(20)))
        #expect(buffer.count == 3)
        #expect(buffer.text == "one\ntwo\nthr")
        #expect(buffer.tail(2) == ["two", "thr"])
    }

    @Test func lineTimeIsTheArrivalOfItsFirstByte() {
        let buffer = buffer([("boot", 100), (" done\n", 900), ("next\n", 950)])
        #expect(buffer.complete.map(\.time) == [.milliseconds(100), .milliseconds(950)])
    }

    @Test func aRestartEndsTheUnfinishedLine() {
        let buffer = buffer([("login: ", 100)])
        buffer.endLine()
        buffer.endLine()
        buffer.append(Array("Linux version\n".utf8), at: .milliseconds(900))
        #expect(
            buffer.complete == [
                ConsoleLine(text: "login: ", time: .milliseconds(100)),
                ConsoleLine(text: "Linux version", time: .milliseconds(900)),
            ])
    }

    @Test func invalidUTF8BecomesReplacementCharacters() {
        let buffer = ConsoleBuffer()
        buffer.append([0x61, 0xFF, 0x62, 0x0A], at: .zero)
        #expect(buffer.complete.first?.text == "a\u{FFFD}b")
    }

    @Test func searchFindsMatchLineAndGroups() throws {
        let buffer = buffer([("Linux version 6.1.0\n", 1), ("slipway: step root at 4.25s\n", 2)])
        var scanned = 0
        let found = buffer.search(try regex(#"step (\w+) at ([0-9.]+)s"#), from: ConsoleCursor(), scanned: &scanned)
        let (match, next) = try #require(found)
        #expect(match.text == "step root at 4.25s")
        #expect(match.groups == ["root", "4.25"])
        #expect(match.lineIndex == 1)
        #expect(match.time == .milliseconds(2))
        #expect(next == ConsoleCursor(line: 1, offset: 27))
    }

    @Test func searchResumesAfterThePreviousMatch() throws {
        let buffer = buffer([("A then A\n", 1), ("B\n", 2)])
        let pattern = try regex("A")
        var scanned = 0
        let first = try #require(buffer.search(pattern, from: ConsoleCursor(), scanned: &scanned))
        let second = try #require(buffer.search(pattern, from: first.1, scanned: &scanned))
        #expect(first.0.lineIndex == 0 && second.0.lineIndex == 0)
        #expect(second.1.offset == 8)
        #expect(buffer.search(pattern, from: second.1, scanned: &scanned) == nil)
    }

    @Test func anchorsAreLineBoundsEvenMidLine() throws {
        let buffer = buffer([("xx ready\n", 1)])
        var scanned = 0
        #expect(buffer.search(try regex("^ready"), from: ConsoleCursor(line: 0, offset: 3), scanned: &scanned) == nil)
        scanned = 0
        #expect(buffer.search(try regex("ready$"), from: ConsoleCursor(line: 0, offset: 3), scanned: &scanned) != nil)
    }

    @Test func unfinishedLineMatchesSoPromptsAreSeen() throws {
        let buffer = buffer([("Welcome\n", 1), ("login: ", 2)])
        var scanned = 0
        let found = try #require(buffer.search(try regex("login: $"), from: ConsoleCursor(), scanned: &scanned))
        #expect(found.0.lineIndex == 1)
        #expect(scanned == 1)
    }

    @Test func scannedLinesAreSkipped() throws {
        let buffer = buffer([("needle\n", 1), ("hay\n", 2)])
        var scanned = 2
        #expect(buffer.search(try regex("needle"), from: ConsoleCursor(), scanned: &scanned) == nil)
    }

    @Test func emptyMatchStillAdvances() throws {
        let buffer = buffer([("abc\n", 1)])
        var scanned = 0
        let found = try #require(buffer.search(try regex("x*"), from: ConsoleCursor(), scanned: &scanned))
        #expect(found.0.text.isEmpty)
        #expect(found.1 == ConsoleCursor(line: 0, offset: 1))
    }

    @Test func invalidPatternIsNamed() {
        #expect {
            try ConsolePattern("boot(")
        } throws: { error in
            guard let error = error as? RunnerError else { return false }
            return error.kind == .invalidPattern && error.subject == "/boot(/"
        }
    }
}
