// What changes a slot's boot entry besides an install: blessing the booted slot once its health
// check passed, and rolling back to the other slot on request. Both rename or rewrite one entry
// beside itself, so a cut leaves the old entry or the new one.
public import BootSlots

public enum SlotActions {
    /// Marks `slot`'s entry good: "slipway-b+2-1.conf" becomes "slipway-b.conf", so the loader stops
    /// counting and keeps booting it. Returns the new file name, or nil when it already was good.
    public static func markGood(_ slot: String, esp: any ESPVolume, slots: DiskSlots) throws(UpdateError) -> String? {
        guard let entry = slots.entry(slot) else {
            throw UpdateError("slot \(slot.uppercased())", "has no boot entry on the ESP to mark good")
        }
        guard entry.fileName.state != .good else { return nil }
        let good = LoaderEntryName(id: entry.fileName.id)
        try esp.rename(
            DiskSlots.entriesDirectory + "/" + entry.fileName.fileName,
            to: DiskSlots.entriesDirectory + "/" + good.fileName)
        try esp.sync()
        return good.fileName
    }

    /// Makes the slot other than `running` boot next, with `tries` tries: its entry is rewritten
    /// with the highest generation. Refused when that slot has no entry or a bad one (nothing good
    /// to return to). Returns the other slot's entry as it now is.
    public static func rollback(running: String, tries: Int, esp: any ESPVolume, slots: DiskSlots) throws(UpdateError)
        -> SlotEntry
    {
        let other = DiskSlots.other(running)
        guard let entry = slots.entry(other) else {
            throw UpdateError(
                "rollback", "slot \(other.uppercased()) has no boot entry: there is no previous version to return to")
        }
        guard entry.fileName.state != .bad else {
            throw UpdateError(
                "rollback",
                "slot \(other.uppercased()) (version \(entry.osVersion ?? "unknown")) failed its boots "
                    + "(\(entry.fileName.fileName)); it is not a good version to return to")
        }
        var fields = entry.entry.fields
        let generation = String(slots.highestGeneration + 1)
        if let index = fields.firstIndex(where: { $0.key == "version" }) {
            fields[index].value = generation
        } else {
            fields.insert(("version", generation), at: 0)
        }
        let text = fields.map { "\($0.key) \($0.value)\n" }.joined()
        let name = LoaderEntryName(id: entry.fileName.id, triesLeft: tries)
        let path = DiskSlots.entriesDirectory + "/" + name.fileName
        try esp.write(path + ".new", Array(text.utf8))
        try esp.rename(path + ".new", to: path)
        if name != entry.fileName { try esp.remove(DiskSlots.entriesDirectory + "/" + entry.fileName.fileName) }
        try esp.sync()
        return SlotEntry(slot: other, fileName: name, entry: LoaderEntry(parsing: text))
    }
}
