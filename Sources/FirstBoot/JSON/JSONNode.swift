// A JSON document tree that remembers where every value and key came from, so that the config
// decoder can report `line:col` for type errors, rule violations and unknown keys. Written here
// rather than taken from Foundation because the first-boot executable must not link Foundation.

/// One JSON value with the byte offset of its first character in the source document.
public struct JSONNode: Sendable, Equatable {
    /// The value itself. Numbers keep their literal text so that integer fields can reject `1.5` or `1e3`
    /// exactly as Ignition's decoder does.
    public enum Value: Sendable, Equatable {
        case null
        case bool(Bool)
        case number(String)
        case string(String)
        case array([JSONNode])
        case object([JSONMember])
    }

    public var value: Value
    /// Byte offset of the value's first character (the quote, bracket, digit or letter).
    public var offset: Int

    public init(_ value: Value, offset: Int = 0) {
        self.value = value
        self.offset = offset
    }

    /// The name of the value's JSON type, as used in type error messages.
    public var typeName: String {
        switch value {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

/// One `"key": value` pair of an object, in document order; duplicates are kept.
public struct JSONMember: Sendable, Equatable {
    public var key: String
    public var keyOffset: Int
    public var value: JSONNode

    public init(key: String, keyOffset: Int = 0, value: JSONNode) {
        self.key = key
        self.keyOffset = keyOffset
        self.value = value
    }
}

/// A 1-based line and column (in bytes) in a source document.
public struct SourcePosition: Sendable, Equatable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column)" }

    public static func < (a: SourcePosition, b: SourcePosition) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }
}

/// Turns byte offsets into line and column numbers for one document.
public struct LineTable: Sendable {
    private var lineStarts: [Int] = [0]

    public init(_ bytes: [UInt8]) {
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
            lineStarts.append(index + 1)
        }
    }

    /// The position of byte `offset`; offsets past the end map to the last line.
    public func position(of offset: Int) -> SourcePosition {
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        return SourcePosition(line: low + 1, column: offset - lineStarts[low] + 1)
    }
}
