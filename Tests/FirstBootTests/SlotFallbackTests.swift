// Whether a boot that failed in the initrd reboots so the loader falls back to the other slot,
// decided from the names in the ESP's loader/entries (SlotLoaderEntry.fallback).
import FirstBoot
import Testing

struct SlotFallbackTests {
    typealias Fallback = SlotLoaderEntry.Fallback

    @Test(arguments: [
        ("slipway-b.conf", "b", SlotLoaderEntry.EntryState.good),
        ("slipway-b+3.conf", "b", .trying(left: 3)),
        ("slipway-b+2-1.conf", "b", .trying(left: 2)),
        ("slipway-b+0-3.conf", "b", .bad),
        ("slipway-b+0.conf", "b", .bad),
        ("slipway-b+99999999999999999999999-0.conf", "b", .trying(left: Int.max)),
        ("slipway-a+1-1.conf", "b", nil),
        ("slipway-ba.conf", "b", nil),
        ("slipway-b.conf.new", "b", nil),
        ("slipway-b+x.conf", "b", nil),
    ])
    func readsTheStateFromTheBootCounter(name: String, slot: String, state: SlotLoaderEntry.EntryState?) {
        #expect(SlotLoaderEntry.state(of: name, slot: slot) == state)
        #expect(SlotLoaderEntry.isEntry(name, ofSlot: slot) == (state != nil))
    }

    @Test(arguments: [
        // The failing slot's entry is being tried: the other one, good or with tries left, boots next.
        ("b", ["slipway-a.conf", "slipway-b+1-1.conf"], Fallback.reboot(slot: "a", entry: "slipway-a.conf")),
        ("b", ["slipway-b+0-2.conf", "slipway-a+2.conf"], .reboot(slot: "a", entry: "slipway-a+2.conf")),
        ("a", ["slipway-a+2-1.conf", "slipway-b+1-2.conf"], .reboot(slot: "b", entry: "slipway-b+1-2.conf")),
        // A stale bad entry beside a usable one, and files that are no slot entries.
        (
            "b",
            [
                "slipway-b+1-1.conf", "slipway-a+1-1.conf", "slipway-a+0-3.conf", "slipway-ab.conf",
                "slipway-a.conf.new", "other.conf",
            ],
            .reboot(slot: "a", entry: "slipway-a+1-1.conf")
        ),
        // Nothing to fall back to.
        ("a", ["slipway-a+2-1.conf"], .none(reason: "slot b has no boot entry on the ESP")),
        (
            "b", ["slipway-a+0-3.conf", "slipway-b+1-1.conf"],
            .none(reason: "slot a's boot entry has no tries left (slipway-a+0-3.conf)")
        ),
        // Rebooting would start the same boot again.
        (
            "b", ["slipway-a.conf", "slipway-b.conf"],
            .none(
                reason: "slot b's boot entry slipway-b.conf is blessed (no boot counter), so the boot loader "
                    + "would start this boot again")
        ),
        (
            "b", ["slipway-a.conf", "custom.conf"],
            .none(
                reason: "slot b has no boot entry on the ESP, so nothing counts this boot's tries and a reboot "
                    + "could start it again")
        ),
        ("c", ["slipway-a.conf", "slipway-c+1.conf"], .none(reason: "slot c is not one of a, b")),
        ("a", [], .none(reason: "slot b has no boot entry on the ESP")),
    ])
    func decidesFromTheEntryNames(slot: String, entries: [String], expected: Fallback) {
        #expect(SlotLoaderEntry.fallback(from: slot, entries: entries) == expected)
    }
}
