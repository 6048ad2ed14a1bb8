// Whether a boot that failed in the initrd should reboot so that systemd-boot falls back to the other
// slot, judged from the names of the ESP's loader entries alone (the initrd's SlotFallback lists them).
//
// The loader took one try of the failing entry when it started it (slipway-b+2.conf became
// slipway-b+1-1.conf), so each reboot uses up one; once none is left it sorts the entry last and
// boots the other slot's. Rebooting helps only when
//
//   - the other slot has an entry the loader will boot: no counter (good), or tries left, and
//   - the failing slot's entries all carry a counter: a blessed entry (slipway-b.conf) is never
//     counted, so the loader would start the same failing boot again, forever. So would a boot
//     from no entry of the slot at all (a hand-made entry): nothing counts its tries.
//
// Anything else stops the boot where the error can be read (the rescue shell).

extension SlotLoaderEntry {
    /// What a failed boot of a slot should do, from the entries on the ESP.
    public enum Fallback: Equatable, Sendable {
        /// Reboot: `slot`'s entry `entry` is one the loader boots once the failing slot's tries are
        /// used up.
        case reboot(slot: String, entry: String)
        /// Stop, because of `reason` (a clause for "no fallback: REASON").
        case none(reason: String)
    }

    /// Whether the failed boot of `slot` ("a" or "b") should reboot into the other slot, given the
    /// file names in the ESP's `loader/entries` (other files are ignored).
    public static func fallback(from slot: String, entries fileNames: [String]) -> Fallback {
        guard slots.contains(slot), let other = slots.first(where: { $0 != slot }) else {
            return .none(reason: "slot \(slot) is not one of \(slots.joined(separator: ", "))")
        }
        let names = fileNames.sorted()
        let others = names.compactMap { name in state(of: name, slot: other).map { (name: name, state: $0) } }
        guard let usable = others.first(where: { $0.state != .bad }) else {
            return .none(
                reason: others.isEmpty
                    ? "slot \(other) has no boot entry on the ESP"
                    : "slot \(other)'s boot entry has no tries left (\(others.map(\.name).joined(separator: ", ")))")
        }
        let own = names.filter { isEntry($0, ofSlot: slot) }
        guard !own.isEmpty else {
            return .none(
                reason: "slot \(slot) has no boot entry on the ESP, so nothing counts this boot's tries and a "
                    + "reboot could start it again")
        }
        if let blessed = own.first(where: { state(of: $0, slot: slot) == .good }) {
            return .none(
                reason: "slot \(slot)'s boot entry \(blessed) is blessed (no boot counter), so the boot loader "
                    + "would start this boot again")
        }
        return .reboot(slot: other, entry: usable.name)
    }
}
