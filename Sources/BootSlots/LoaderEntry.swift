// systemd-boot loader entries (Boot Loader Specification, type #1) and their boot-counting file
// names (systemd's Automatic Boot Assessment): "slipway-a+3.conf" has three tries left;
// "slipway-a+2-1.conf" has two left after one failed; "slipway-a+0-3.conf" is bad; and
// "slipway-a.conf", with no counter, is good (blessed, or never counted).

/// The file name of a loader entry, with its boot counter.
public struct LoaderEntryName: Equatable, Sendable {
    /// The entry names of slot entries start with this; the rest is the slot ("a", "b").
    public static let slotPrefix = "slipway-"
    /// The slots of a slipway disk, as entry names, partition names and slipway.slot= spell them.
    public static let slots = ["a", "b"]

    /// The entry ID, the name without counter and ".conf" ("slipway-a").
    public var id: String
    /// Tries left, or nil when the name has no counter.
    public var triesLeft: Int?
    /// Tries done, or nil when the name has no "-DONE" part.
    public var triesDone: Int?

    /// What the boot loader makes of an entry.
    public enum State: String, Sendable, Codable {
        /// No counter: booted successfully and blessed, or never counted.
        case good
        /// Tries left: the loader will still try it.
        case indeterminate
        /// No tries left: the loader skips it.
        case bad
    }

    public init(id: String, triesLeft: Int? = nil, triesDone: Int? = nil) {
        self.id = id
        self.triesLeft = triesLeft
        self.triesDone = triesDone
    }

    /// Parses "ID[+LEFT[-DONE]].conf"; nil when the name does not end in ".conf" or has an empty ID.
    public init?(fileName: String) {
        guard fileName.hasSuffix(".conf") else { return nil }
        let stem = String(fileName.dropLast(".conf".count))
        var id = stem, left: Int?, done: Int?
        if let plus = stem.lastIndex(of: "+") {
            let counter = stem[stem.index(after: plus)...].split(separator: "-", omittingEmptySubsequences: false)
            // More digits than an Int holds are still a count: as many tries as can be.
            let numbers = counter.map { part in
                !part.isEmpty && part.allSatisfy { $0.isASCII && $0.isNumber } ? (Int(part) ?? Int.max) : nil
            }
            if (1...2).contains(numbers.count), numbers.allSatisfy({ ($0 ?? -1) >= 0 }) {
                id = String(stem[..<plus])
                left = numbers[0]
                done = numbers.count == 2 ? numbers[1] : nil
            }
        }
        guard !id.isEmpty else { return nil }
        self.init(id: id, triesLeft: left, triesDone: done)
    }

    /// "ID+LEFT-DONE.conf", leaving out what is nil.
    public var fileName: String {
        guard let triesLeft else { return id + ".conf" }
        return id + "+\(triesLeft)" + (triesDone.map { "-\($0)" } ?? "") + ".conf"
    }

    /// The slot for "slipway-SLOT" IDs, nil for any other entry.
    public var slot: String? {
        guard id.hasPrefix(Self.slotPrefix), id.count > Self.slotPrefix.count else { return nil }
        return String(id.dropFirst(Self.slotPrefix.count))
    }

    /// The boot-assessment state the name encodes.
    public var state: State {
        guard let triesLeft else { return .good }
        return triesLeft > 0 ? .indeterminate : .bad
    }
}

/// The key/value lines of a loader entry file.
public struct LoaderEntry: Equatable, Sendable {
    /// Every "key value" line in order; comments and blank lines dropped.
    public var fields: [(key: String, value: String)]

    public init(fields: [(key: String, value: String)]) { self.fields = fields }

    /// Parses entry text: one "key value" pair per line, "#" comments.
    public init(parsing text: String) {
        fields = text.split(whereSeparator: \.isNewline).compactMap { line in
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { return nil }
            let key = trimmed.prefix { $0 != " " && $0 != "\t" }
            let value = trimmed.dropFirst(key.count).drop { $0 == " " || $0 == "\t" }
            return (String(key), String(value.reversed().drop { $0 == " " || $0 == "\t" }.reversed()))
        }
    }

    /// The first value of `key`.
    public func value(_ key: String) -> String? { fields.first { $0.key == key }?.value }

    /// Every value of `key` (an entry may list several "initrd" lines).
    public func values(_ key: String) -> [String] { fields.filter { $0.key == key }.map(\.value) }

    public static func == (lhs: LoaderEntry, rhs: LoaderEntry) -> Bool {
        lhs.fields.map(\.key) == rhs.fields.map(\.key) && lhs.fields.map(\.value) == rhs.fields.map(\.value)
    }
}
