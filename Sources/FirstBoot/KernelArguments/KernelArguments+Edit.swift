// Applying a config's `kernelArguments` to a kernel command line, with the semantics Ignition gives
// its distribution helpers: every `shouldExist` argument is appended when it is missing, every
// `shouldNotExist` argument is deleted wherever it occurs (and is no error when absent).
//
// Arguments are compared word by word as the kernel splits them: at spaces and tabs outside double
// quotes, quotes removed, so `foo="a b"` and `"foo=a b"` are the same argument. A config entry that
// holds several words (`"console=ttyS0 console=tty0"`) matches only where those words stand together,
// in that order. The words kept are written back as they were, quotes included, one space apart.

extension KernelArguments {
    /// Whether the arguments ask for nothing.
    public var isEmpty: Bool { shouldExist.isEmpty && shouldNotExist.isEmpty }

    /// The command line `commandLine` with the arguments applied: `shouldExist` first, in order, then
    /// `shouldNotExist`. The result lists what was actually added and removed; when nothing was,
    /// `commandLine` is returned as it was.
    public func edit(_ commandLine: String) -> KernelArgumentsEdit {
        var words = CommandLineWord.split(commandLine)
        var added: [String] = []
        var removed: [String] = []
        for argument in shouldExist {
            let wanted = CommandLineWord.split(argument)
            if wanted.isEmpty || CommandLineWord.firstRange(of: wanted, in: words, from: 0) != nil { continue }
            words += wanted
            added.append(argument)
        }
        for argument in shouldNotExist {
            let unwanted = CommandLineWord.split(argument)
            if unwanted.isEmpty { continue }
            var found = false
            var start = 0
            while let range = CommandLineWord.firstRange(of: unwanted, in: words, from: start) {
                words.removeSubrange(range)
                start = range.lowerBound
                found = true
            }
            if found { removed.append(argument) }
        }
        let changed = !added.isEmpty || !removed.isEmpty
        return KernelArgumentsEdit(
            commandLine: changed ? words.map(\.raw).joined(separator: " ") : commandLine, added: added,
            removed: removed)
    }
}

/// The outcome of `KernelArguments.edit(_:)`.
public struct KernelArgumentsEdit: Sendable, Equatable {
    /// The command line after the edit.
    public var commandLine: String
    /// The `shouldExist` arguments that were missing and were appended, in the config's order.
    public var added: [String]
    /// The `shouldNotExist` arguments that were present and were deleted, in the config's order.
    public var removed: [String]

    public init(commandLine: String, added: [String], removed: [String]) {
        self.commandLine = commandLine
        self.added = added
        self.removed = removed
    }

    /// Whether the command line changed.
    public var changed: Bool { !added.isEmpty || !removed.isEmpty }

    /// `added [a b] removed [c]`, for log lines.
    public var summary: String {
        "added [\(added.joined(separator: " "))] removed [\(removed.joined(separator: " "))]"
    }
}

/// One word of a kernel command line: as written, and as the kernel reads it (quotes removed).
struct CommandLineWord: Equatable {
    var raw: String
    var value: String

    /// The words of `text`, split the way the kernel's `next_arg` splits them: at ASCII white space
    /// (`isspace`) outside double quotes. Scalars, not Characters: "\r\n" is one Character to Swift.
    static func split(_ text: String) -> [CommandLineWord] {
        var words: [CommandLineWord] = []
        var raw = String.UnicodeScalarView()
        var value = String.UnicodeScalarView()
        var quoted = false
        for scalar in text.unicodeScalars {
            if !quoted && (scalar == " " || ("\t"..."\r").contains(scalar)) {
                if !raw.isEmpty { words.append(CommandLineWord(raw: String(raw), value: String(value))) }
                raw = String.UnicodeScalarView()
                value = String.UnicodeScalarView()
                continue
            }
            raw.append(scalar)
            if scalar == "\"" {
                quoted.toggle()
            } else {
                value.append(scalar)
            }
        }
        if !raw.isEmpty { words.append(CommandLineWord(raw: String(raw), value: String(value))) }
        return words
    }

    /// The first place at or after `start` where `needle`'s words stand together in `words`.
    static func firstRange(of needle: [CommandLineWord], in words: [CommandLineWord], from start: Int) -> Range<Int>? {
        guard !needle.isEmpty, words.count >= needle.count, start <= words.count - needle.count else { return nil }
        for index in start...(words.count - needle.count)
        where zip(words[index..<(index + needle.count)], needle).allSatisfy({ $0.value == $1.value }) {
            return index..<(index + needle.count)
        }
        return nil
    }
}
