// A systemd unit file reader that accepts and rejects the same texts as go-systemd's unit
// deserializer, which Ignition uses to validate `contents`: text before the first section is
// ignored, `#`/`;` lines are comments, a section header must be closed and followed only by
// whitespace, every option line needs `=`, and a trailing backslash continues a value.

/// One `Name=Value` line of a unit file.
public struct UnitOption: Sendable, Equatable {
    public var section: String
    public var name: String
    public var value: String

    public init(section: String, name: String, value: String) {
        self.section = section
        self.name = name
        self.value = value
    }
}

/// Parses unit files.
public enum UnitFile {
    /// The options of `text`, or the reason it is not a valid unit file.
    public static func parse(_ text: String) -> Result<[UnitOption], UnitFileError> {
        do {
            return .success(try options(text))
        } catch {
            return .failure(error)
        }
    }

    /// The longest line (or section header) go-systemd reads through its fixed-size buffer.
    static let lineMax = 2048

    private static func options(_ text: String) throws(UnitFileError) -> [UnitOption] {
        var reader = Reader(Array(text.utf8))
        var options: [UnitOption] = []
        var section: String?
        while true {
            guard let byte = reader.next() else { return options }
            if section != nil && isSpace(byte) { continue }
            if byte == UInt8(ascii: "[") {
                let close = reader.bytes[reader.index...].firstIndex(of: UInt8(ascii: "]"))
                try reader.checkLength(to: close)
                guard let close else { throw UnitFileError("unable to find end of section") }
                let name = String(decoding: reader.bytes[reader.index..<close], as: UTF8.self)
                reader.index = close + 1
                let garbage = trimmed(try reader.lineWithEnd().0)
                if !garbage.isEmpty {
                    throw UnitFileError(
                        "found garbage after section name \(section ?? ""): \"\(String(decoding: garbage, as: UTF8.self))\""
                    )
                }
                section = name
                continue
            }
            if byte == UInt8(ascii: "#") || byte == UInt8(ascii: ";") {
                try reader.skipCommentLines()
                continue
            }
            guard let currentSection = section else { continue }
            // An option: the name runs to "=", which must come before the end of the line.
            var name: [UInt8] = [byte]
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                throw UnitFileError("unexpected newline encountered while parsing option name")
            }
            if byte != UInt8(ascii: "=") {
                while true {
                    guard let next = reader.next() else { throw UnitFileError("EOF") }
                    if next == UInt8(ascii: "\n") || next == UInt8(ascii: "\r") {
                        throw UnitFileError("unexpected newline encountered while parsing option name")
                    }
                    if next == UInt8(ascii: "=") { break }
                    name.append(next)
                }
            } else {
                name = []
            }
            var value: [UInt8] = []
            while true {
                let (line, atEnd) = try reader.lineWithEnd()
                if trimmed(line).isEmpty { break }
                value.append(contentsOf: line)
                guard line.last == UInt8(ascii: "\\") else { break }
                if !atEnd { value.append(UInt8(ascii: "\n")) }
            }
            if value.last == UInt8(ascii: "\n") { value.removeLast() }
            options.append(
                UnitOption(
                    section: currentSection, name: String(decoding: trimmed(name), as: UTF8.self),
                    value: String(decoding: trimmed(value), as: UTF8.self)))
        }
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0a || byte == 0x0b || byte == 0x0c || byte == 0x0d
    }

    static func trimmed(_ bytes: [UInt8]) -> [UInt8] {
        var slice = bytes[...]
        while let first = slice.first, isSpace(first) { slice = slice.dropFirst() }
        while let last = slice.last, isSpace(last) { slice = slice.dropLast() }
        return Array(slice)
    }

    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        mutating func next() -> UInt8? {
            guard index < bytes.count else { return nil }
            defer { index += 1 }
            return bytes[index]
        }

        /// Fails like go-systemd's buffered reader when the text up to `delimiter` (inclusive), or to the
        /// end of input, is longer than its buffer.
        func checkLength(to delimiter: Int?) throws(UnitFileError) {
            let length = delimiter.map { $0 - index + 1 } ?? (bytes.count - index)
            if length > UnitFile.lineMax { throw UnitFileError("line too long (max \(UnitFile.lineMax) bytes)") }
        }

        /// The rest of the line, and whether the input ended instead of a newline.
        mutating func lineWithEnd() throws(UnitFileError) -> ([UInt8], Bool) {
            let end = bytes[index...].firstIndex(of: UInt8(ascii: "\n"))
            try checkLength(to: end)
            var line = Array(bytes[index..<(end ?? bytes.count)])
            index = end.map { $0 + 1 } ?? bytes.count
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            return (line, end == nil)
        }

        /// Skips a comment line and the lines it continues with a trailing backslash.
        mutating func skipCommentLines() throws(UnitFileError) {
            while true {
                let (line, atEnd) = try lineWithEnd()
                var content = line[...]
                if content.last == UInt8(ascii: " ") { content = content.dropLast() }
                if content.last != UInt8(ascii: "\\") || atEnd { return }
            }
        }
    }
}

/// Why a unit file could not be parsed.
public struct UnitFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
