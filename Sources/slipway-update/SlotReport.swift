// `slipway-update status`: the booted slot and, for each slot, its version and boot-entry state.
import BootSlots
import FirstBoot
import Update

struct SlotReport {
    let host: HostSystem
    let slots: DiskSlots

    var text: String {
        var lines = ["booted: slot \(host.bootedSlot), version \(host.bootedVersion)"]
        for slot in DiskSlots.slots {
            guard let entry = slots.entry(slot) else {
                lines.append("slot \(slot): no boot entry (empty or being written)")
                continue
            }
            var notes: [String] = []
            if slot == host.bootedSlot { notes.append("booted") }
            if slots.nextBoot?.slot == slot { notes.append("boots next") }
            lines.append(
                "slot \(slot): version \(entry.osVersion ?? "unknown"), \(describe(entry))"
                    + (notes.isEmpty ? "" : " (\(notes.joined(separator: ", ")))"))
            if let failure = failure(slot) {
                lines.append("  version \(failure.version) failed: \(failure.reason)")
            }
        }
        return lines.joined(separator: "\n")
    }

    var json: String {
        JSONNode.object([
            ("booted", .object([("slot", .string(host.bootedSlot)), ("version", .string(host.bootedVersion))])),
            ("nextBoot", slots.nextBoot.map { .string($0.slot) }),
            (
                "slots",
                .array(
                    DiskSlots.slots.map { slot in
                        let entry = slots.entry(slot)
                        return .object([
                            ("slot", .string(slot)),
                            ("version", entry?.osVersion.map { .string($0) }),
                            ("entry", entry.map { .string($0.fileName.fileName) }),
                            ("state", .string(entry.map { $0.fileName.state.rawValue } ?? "empty")),
                            ("triesLeft", entry?.fileName.triesLeft.map { .int($0) }),
                            ("triesDone", entry?.fileName.triesDone.map { .int($0) }),
                            (
                                "failure",
                                failure(slot).map {
                                    .object([("version", .string($0.version)), ("reason", .string($0.reason))])
                                }
                            ),
                        ])
                    }
                )
            ),
        ]).serialized()
    }

    /// Why the slot's version was abandoned (or is failing), from the records on STATE.
    private func failure(_ slot: String) -> SlotRecord? {
        guard let entry = slots.entry(slot), let reason = SlotRecord.failure(of: entry) else { return nil }
        return SlotRecord(version: entry.osVersion ?? "unknown", reason: reason)
    }

    private func describe(_ entry: SlotEntry) -> String {
        switch entry.fileName.state {
        case .good: "good"
        case .bad: "bad: failed \(entry.fileName.triesDone ?? 0) boots"
        case .indeterminate:
            "being tried: \(entry.fileName.triesLeft ?? 0) tries left, \(entry.fileName.triesDone ?? 0) done"
        }
    }
}
