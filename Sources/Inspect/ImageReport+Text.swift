// The human-readable form of the report: a few aligned tables, "-" where there is nothing.
import Disk
import Foundation

extension ImageReport {
    /// The report as aligned text for a terminal.
    public func text() -> String {
        var lines = [
            "image      \(image)",
            "size       \(ByteSize.text(size)) (\(size / GPT.sectorSize) sectors of \(GPT.sectorSize) bytes)",
            "disk GUID  \(diskGUID)",
            "",
        ]
        var table = TextTable(["#", "NAME", "TYPE", "START", "SIZE", "PARTUUID", "FILESYSTEM", "LABEL", "UUID"])
        for partition in partitions {
            let filesystem = partition.filesystem
            table.add([
                "\(partition.number)", partition.name, partition.typeName ?? partition.type.description,
                ByteSize.text(partition.offset), ByteSize.text(partition.size), partition.guid.description,
                filesystem.map { [$0.type, $0.version].compactMap { $0 }.joined(separator: " ") } ?? "-",
                filesystem?.label ?? "-", filesystem?.uuid ?? "-",
            ])
        }
        lines += table.lines()

        lines += ["", "slots"]
        var slotTable = TextTable([
            "SLOT", "PARTITION", "ROOT", "ENTRY", "STATE", "TRIES LEFT", "TRIES DONE", "VERSION", "BOOTS NEXT",
        ])
        for slot in slots {
            slotTable.add([
                slot.slot, slot.partition, slot.populated ? "filesystem" : "empty", slot.entries.first ?? "-",
                slot.state?.rawValue ?? "-", slot.triesLeft.map(String.init) ?? "-",
                slot.triesDone.map(String.init) ?? "-", slot.version ?? "-", slot.bootsNext ? "yes" : "-",
            ])
        }
        lines += slotTable.lines(indent: "  ")

        lines += ["", "boot entries (ESP loader/entries)"]
        if bootEntries.isEmpty {
            lines.append("  none")
        } else {
            var entryTable = TextTable(["FILE", "SLOT", "STATE", "LEFT", "DONE", "GENERATION", "LINUX", "TITLE"])
            for entry in bootEntries {
                entryTable.add([
                    entry.file, entry.slot ?? "-", entry.state.rawValue, entry.triesLeft.map(String.init) ?? "-",
                    entry.triesDone.map(String.init) ?? "-", entry.version ?? "-", entry.linux ?? "-",
                    entry.title ?? "-",
                ])
            }
            lines += entryTable.lines(indent: "  ")
        }

        lines += ["", "manifest"]
        lines += manifest?.textLines() ?? ["  none beside the image"]
        if !warnings.isEmpty { lines += ["", "warnings"] + warnings.map { "  " + $0 } }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension ManifestSummary {
    func textLines() -> [String] {
        var rows: [(String, String)] = [("file", path)]
        if let problem { rows.append(("problem", problem)) }
        if let profile { rows.append(("profile", profile + (profileDigest.map { " (sha256 \($0))" } ?? ""))) }
        if let tool { rows.append(("tool", tool)) }
        if let sourceDateEpoch { rows.append(("source date", String(sourceDateEpoch))) }
        if let layers { rows.append(("layers", String(layers))) }
        if let packages { rows.append(("packages", String(packages))) }
        for role in outputs.keys.sorted() {
            guard let output = outputs[role] else { continue }
            rows.append(("output " + role, output.file + (output.sha256.map { "  sha256 \($0)" } ?? "")))
        }
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { "  " + $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }
    }
}
