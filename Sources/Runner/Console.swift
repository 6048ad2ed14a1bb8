import Foundation

/// One line of the serial console and when the host saw it.
public struct ConsoleLine: Sendable, Equatable {
    /// The text without its line terminator (a trailing carriage return is dropped too).
    public var text: String
    /// Host time since QEMU started when the line's first byte arrived: a guest-independent clock for
    /// boot milestones.
    public var time: Duration

    public init(text: String, time: Duration) {
        self.text = text
        self.time = time
    }
}

/// A console match found by `Machine.waitFor`.
public struct ConsoleMatch: Sendable, Equatable {
    /// The text the whole pattern matched.
    public var text: String
    /// The capture groups in order; nil for a group that did not take part in the match.
    public var groups: [String?]
    /// The line the match is in, as it stood when matched (an unfinished line may grow later).
    public var line: ConsoleLine
    /// The line's position in the console log, counting from 0.
    public var lineIndex: Int

    /// Host time since QEMU started when the matched line began to arrive.
    public var time: Duration { line.time }
}

/// Where the next search starts: a line and a UTF-16 offset into it (the unit NSRegularExpression counts in).
struct ConsoleCursor: Sendable, Equatable {
    var line = 0
    var offset = 0
}

/// The console log: complete lines plus the unfinished last one, each with its arrival time.
///
/// Not thread-safe: `MachineState` owns it and holds its lock around every use.
final class ConsoleBuffer {
    private(set) var complete: [ConsoleLine] = []
    private var pending: [UInt8] = []
    private var pendingTime: Duration?

    /// Adds bytes read from the console at host time `time`.
    func append(_ bytes: some Sequence<UInt8>, at time: Duration) {
        for byte in bytes {
            if pendingTime == nil { pendingTime = time }
            if byte == UInt8(ascii: "\n") {
                complete.append(ConsoleLine(text: Self.decode(pending), time: pendingTime ?? time))
                pending.removeAll(keepingCapacity: true)
                pendingTime = nil
            } else {
                pending.append(byte)
            }
        }
    }

    /// Completes the unfinished last line, if there is one: the output of a restarted machine starts
    /// on a line of its own.
    func endLine() {
        if pendingTime != nil { append([UInt8(ascii: "\n")], at: .zero) }
    }

    /// The unfinished last line, if any bytes of it arrived.
    var unfinished: ConsoleLine? {
        pendingTime.map { ConsoleLine(text: Self.decode(pending), time: $0) }
    }

    /// Complete lines and the unfinished one.
    var count: Int { complete.count + (pendingTime == nil ? 0 : 1) }

    /// Every line, the unfinished one last.
    var lines: [ConsoleLine] { complete + (unfinished.map { [$0] } ?? []) }

    /// The whole log as text, lines joined with "\n".
    var text: String { lines.map(\.text).joined(separator: "\n") }

    /// The last `count` lines, the unfinished one included.
    func tail(_ count: Int) -> [String] { lines.suffix(count).map(\.text) }

    func line(_ index: Int) -> ConsoleLine? {
        if index < complete.count { return complete[index] }
        return index == complete.count ? unfinished : nil
    }

    /// Searches line by line from `cursor`. Complete lines before `scanned` are known not to match and are
    /// skipped; on return `scanned` is advanced past the complete lines searched. On a match, returns it and
    /// the cursor just after it.
    func search(
        _ regex: NSRegularExpression, from cursor: ConsoleCursor, scanned: inout Int
    ) -> (ConsoleMatch, ConsoleCursor)? {
        var index = max(cursor.line, scanned)
        while let line = line(index) {
            let text = line.text as NSString
            let start = index == cursor.line ? min(cursor.offset, text.length) : 0
            let range = NSRange(location: start, length: text.length - start)
            // Without anchoring bounds `^` means the start of the line, not the start of the searched range.
            if let result = regex.firstMatch(in: line.text, options: [.withoutAnchoringBounds], range: range) {
                let groups = (1..<max(result.numberOfRanges, 1)).map { group -> String? in
                    let range = result.range(at: group)
                    return range.location == NSNotFound ? nil : text.substring(with: range)
                }
                let match = ConsoleMatch(
                    text: text.substring(with: result.range), groups: groups, line: line, lineIndex: index)
                // An empty match must still move the cursor, or waiting for it again would return it forever.
                let end = result.range.location + max(result.range.length, 1)
                return (match, ConsoleCursor(line: index, offset: end))
            }
            if index < complete.count { scanned = index + 1 }
            index += 1
        }
        return nil
    }

    /// Decodes console bytes, dropping a trailing carriage return; invalid UTF-8 becomes U+FFFD.
    private static func decode(_ bytes: [UInt8]) -> String {
        let trimmed = bytes.last == UInt8(ascii: "\r") ? bytes.dropLast() : bytes[...]
        return String(decoding: trimmed, as: UTF8.self)
    }
}
