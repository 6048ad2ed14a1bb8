// A slipway disk as apply sees it: the root slots' partitions from the GPT (ROOT-A, ROOT-B) and the
// slots' boot entries from the ESP, in the order the boot loader tries them.
public import BootSlots
public import PartitionTable

public struct DiskSlots {
    public static let entriesDirectory = "loader/entries"
    public static let slots = LoaderEntryName.slots

    public var table: GPT.Table
    /// Every slot entry on the ESP, in boot order.
    public var entries: [SlotEntry]

    public init(table: GPT.Table, entries: [SlotEntry]) {
        self.table = table
        self.entries = BootOrder.sorted(entries)
    }

    /// Reads the GPT of `disk` (verifying both copies) and the slot entries of `esp`.
    public static func read(disk: PosixFile, esp: any ESPVolume) throws(UpdateError) -> DiskSlots {
        try read(table: try partitionTable(of: disk), esp: esp)
    }

    /// The slot entries of `esp`, with the GPT `table` already read.
    public static func read(table: GPT.Table, esp: any ESPVolume) throws(UpdateError) -> DiskSlots {
        var entries: [SlotEntry] = []
        for file in try esp.list(entriesDirectory) {
            guard let name = LoaderEntryName(fileName: file), let slot = name.slot, slots.contains(slot) else {
                continue
            }
            let text = String(decoding: try esp.read(entriesDirectory + "/" + file), as: UTF8.self)
            entries.append(SlotEntry(slot: slot, fileName: name, entry: LoaderEntry(parsing: text)))
        }
        return DiskSlots(table: table, entries: entries)
    }

    /// The GPT of `disk`, both copies verified.
    public static func partitionTable(of disk: PosixFile) throws(UpdateError) -> GPT.Table {
        let size = try disk.size()
        let table: GPT.Table
        do {
            table = try GPT.parse(sectorCount: size / GPT.sectorSize, source: disk.path) { lba, count in
                try disk.readExactly(at: lba * GPT.sectorSize, count: count * Int(GPT.sectorSize), what: "the GPT")
            }
        } catch let error as UpdateError {
            throw error
        } catch {
            throw UpdateError(disk.path, "not a slipway disk: \(error)")
        }
        return table
    }

    /// The root partition of `slot` ("a" → ROOT-A).
    public func partition(_ slot: String) throws(UpdateError) -> GPT.Partition {
        let label = "ROOT-" + slot.uppercased()
        guard let partition = table.partition(named: label) else {
            throw UpdateError("the disk", "has no partition named \(label): not an A/B slipway disk")
        }
        return partition
    }

    /// The entry of `slot`, if it has one.
    public func entry(_ slot: String) -> SlotEntry? { entries.first { $0.slot == slot } }

    /// The slot the loader boots next: the first entry in boot order.
    public var nextBoot: SlotEntry? { entries.first }

    public static func other(_ slot: String) -> String { slot == "a" ? "b" : "a" }

    /// The highest install generation of any entry: a new entry gets one more, so it boots first.
    public var highestGeneration: Int { entries.map(\.generation).max() ?? 0 }
}
