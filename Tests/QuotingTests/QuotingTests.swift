import Foundation
import Quoting
import Testing

struct QuotingTests {
    static let hostile = "a\"b\\c\nd\te\rf\u{1b}[31mg\u{7f}h\u{85}ié"

    @Test func messagesShowEveryControlCharacter() {
        #expect(Quoting.doubleQuoted(Self.hostile) == #""a\"b\\c\nd\te\rf\u{1b}[31mg\u{7f}h"# + "\u{85}ié\"")
        #expect(
            Quoting.doubleQuoted(Self.hostile, escapingC1: true) == #""a\"b\\c\nd\te\rf\u{1b}[31mg\u{7f}h\u{85}ié""#)
    }

    /// Foundation's JSON parser reads the JSON form back to the same string.
    @Test func jsonFormRoundTrips() throws {
        let json = Quoting.doubleQuoted(Self.hostile, control: Quoting.jsonEscape)
        #expect(json.contains(#"\u001b"#) && json.contains(#"\u007f"#))
        let parsed = try JSONSerialization.jsonObject(with: Data("[\(json)]".utf8)) as? [String]
        #expect(parsed == [Self.hostile])
    }

    @Test func yamlFormUsesShortHexEscapes() {
        #expect(Quoting.doubleQuoted("\u{1}\u{1f}", control: Quoting.yamlEscape) == #""\x01\x1f""#)
    }
}
