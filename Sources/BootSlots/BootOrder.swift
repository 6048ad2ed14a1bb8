// The order in which systemd-boot (252) tries slipway's entries, so that the builder, `slipway
// inspect`, offline apply and the host agree on which slot boots next: entries without tries left
// go last; then by sort-key, ascending; then by version, newest first (numerically for our
// whole-number install generations); then by ID, descending.

/// A slot's entry as found on the ESP.
public struct SlotEntry: Sendable, Equatable {
    /// "a" or "b".
    public var slot: String
    public var fileName: LoaderEntryName
    public var entry: LoaderEntry

    public init(slot: String, fileName: LoaderEntryName, entry: LoaderEntry) {
        self.slot = slot
        self.fileName = fileName
        self.entry = entry
    }

    /// The install generation in the entry's `version` field (0 when it is not a number).
    public var generation: Int { Int(entry.value("version") ?? "") ?? 0 }

    /// The OS version the entry boots: `slipway.version=` on its command line.
    public var osVersion: String? { option("slipway.version") }

    /// The value of `key=` on the entry's command line.
    public func option(_ key: String) -> String? {
        let words = entry.values("options").joined(separator: " ").split(separator: " ")
        return words.first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
    }
}

public enum BootOrder {
    /// `entries` in the order the loader tries them.
    public static func sorted(_ entries: [SlotEntry]) -> [SlotEntry] {
        entries.sorted { lhs, rhs in
            let lhsBad = lhs.fileName.state == .bad, rhsBad = rhs.fileName.state == .bad
            if lhsBad != rhsBad { return !lhsBad }
            let lhsKey = lhs.entry.value("sort-key") ?? "", rhsKey = rhs.entry.value("sort-key") ?? ""
            if lhsKey != rhsKey { return lhsKey < rhsKey }
            if lhs.generation != rhs.generation { return lhs.generation > rhs.generation }
            return lhs.fileName.id > rhs.fileName.id
        }
    }
}

/// Comparing OS versions such as "1.2.10" and "1.2.9": runs of digits compare as numbers, anything
/// else character by character (as strverscmp does for these simple cases).
public enum VersionOrder {
    /// Negative, zero or positive as `lhs` is older than, the same as, or newer than `rhs`.
    public static func compare(_ lhs: String, _ rhs: String) -> Int {
        let left = parts(lhs), right = parts(rhs)
        for (l, r) in zip(left, right) where l != r {
            switch (UInt64(l), UInt64(r)) {
            case (let a?, let b?): return a < b ? -1 : 1
            default: return l < r ? -1 : 1
            }
        }
        return left.count == right.count ? 0 : (left.count < right.count ? -1 : 1)
    }

    private static func parts(_ text: String) -> [String] {
        var result: [String] = []
        var current = ""
        var inDigits = false
        for character in text {
            let digit = character.isASCII && character.isNumber
            if !current.isEmpty && digit != inDigits {
                result.append(current)
                current = ""
            }
            inDigits = digit
            current.append(character)
        }
        if !current.isEmpty { result.append(current) }
        return result
    }
}

extension LoaderEntry {
    /// The text of a slot's entry (Boot Loader Specification type #1).
    public static func render(
        title: String, version: String, linux: String, initrd: String, options: String
    ) -> String {
        "title \(title)\nversion \(version)\nsort-key slipway\nlinux \(linux)\ninitrd \(initrd)\noptions \(options)\n"
    }

    /// The entry of a slot that boots a unified kernel image. The `options` line repeats the image's
    /// own command line: systemd-stub ignores it under Secure Boot and would use it otherwise, so
    /// the kernel gets the same line either way, and readers of entries find the version in it.
    public static func render(title: String, version: String, efi: String, options: String) -> String {
        "title \(title)\nversion \(version)\nsort-key slipway\nefi \(efi)\noptions \(options)\n"
    }
}
