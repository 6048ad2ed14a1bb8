// A slot's systemd-boot loader entry on the ESP, as the first boot finds and edits it (the image
// builder writes it: see the Boot module's LoaderEntries and docs/boot.md):
//
//   loader/entries/slipway-a+3.conf     fresh: three tries left
//   loader/entries/slipway-a+2-1.conf   the loader renamed it when it tried it once
//   loader/entries/slipway-a.conf       blessed: the system marked the boot good
//
//   title ...                            one "key value" pair per line, "#" comments
//   options slipway.root=... console=... the kernel command line; several lines are joined by spaces

import BootSlots

/// Finding and editing the loader entry of a slot.
public enum SlotLoaderEntry {
    /// The entries' directory on the ESP.
    public static let directory = "loader/entries"

    /// The slots of a slipway disk, as entry names and slipway.slot= spell them.
    public static let slots = LoaderEntryName.slots

    /// What the boot loader makes of an entry, from the counter in its name (systemd's Automatic
    /// Boot Assessment).
    public enum EntryState: Equatable, Sendable {
        /// No counter: blessed, or never counted. The loader boots it without counting.
        case good
        /// Tries left: the loader boots it, counting one more try each time.
        case trying(left: Int)
        /// No tries left: the loader sorts it after every other entry.
        case bad
    }

    /// The slot ("a", "b") of a root partition named `ROOT-A`, `ROOT-B`; nil for any other name.
    public static func slot(ofRootPartition name: String) -> String? {
        guard name.hasPrefix("ROOT-"), name.count > 5 else { return nil }
        let slot = String(name.dropFirst(5)).lowercased()
        return slot.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } ? slot : nil
    }

    /// Whether `fileName` is the entry of `slot`, whatever its boot counter: `slipway-a.conf`,
    /// `slipway-a+3.conf`, `slipway-a+2-1.conf` (and not `slipway-ab.conf` or `slipway-a.conf.new`).
    public static func isEntry(_ fileName: String, ofSlot slot: String) -> Bool {
        state(of: fileName, slot: slot) != nil
    }

    /// The state the boot counter in `fileName` gives `slot`'s entry; nil when the file is not that
    /// slot's entry.
    public static func state(of fileName: String, slot: String) -> EntryState? {
        guard let name = LoaderEntryName(fileName: fileName), name.slot == slot else { return nil }
        guard let left = name.triesLeft else { return .good }
        return left > 0 ? .trying(left: left) : .bad
    }

    /// The kernel command line of an entry: its `options` lines, joined by a space.
    public static func options(of text: String) -> String {
        lines(of: text).compactMap { line in
            optionsValue(line.text)
        }.filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// `text` with one `options` line holding `options`, where the first one was (appended when
    /// there was none); later `options` lines are dropped, every other line is kept as it was.
    public static func replacingOptions(in text: String, with options: String) -> String {
        var result = ""
        var written = false
        for line in lines(of: text) {
            if optionsValue(line.text) != nil {
                if !written { result += "options " + options + line.ending }
                written = true
            } else {
                result += line.text + line.ending
            }
        }
        if !written {
            if !result.isEmpty && !result.hasSuffix("\n") { result += "\n" }
            result += "options " + options + "\n"
        }
        return result
    }

    /// The value of an `options` line, nil for any other line.
    private static func optionsValue(_ line: Substring) -> String? {
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        guard trimmed.hasPrefix("options") else { return nil }
        let rest = trimmed.dropFirst("options".count)
        guard rest.isEmpty || rest.first == " " || rest.first == "\t" else { return nil }
        let value = rest.drop { $0 == " " || $0 == "\t" }
        return String(value.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }

    /// The lines of `text` with their endings ("\n", "\r\n", or "" for an unterminated last line). Split
    /// as bytes: "\r\n" is one Character to Swift.
    private static func lines(of text: String) -> [(text: Substring, ending: String)] {
        var lines: [(Substring, String)] = []
        var rest = Array(text.utf8)[...]
        while !rest.isEmpty {
            guard let newline = rest.firstIndex(of: UInt8(ascii: "\n")) else {
                lines.append((Substring(String(decoding: rest, as: UTF8.self)), ""))
                break
            }
            var line = rest[..<newline]
            var ending = "\n"
            if line.last == UInt8(ascii: "\r") {
                line = line.dropLast()
                ending = "\r\n"
            }
            lines.append((Substring(String(decoding: line, as: UTF8.self)), ending))
            rest = rest[(newline + 1)...]
        }
        return lines
    }
}
