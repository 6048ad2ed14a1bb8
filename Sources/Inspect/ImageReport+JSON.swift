// The `--json` form of the report. Keys (sorted on output):
//   image size sectorSize diskGUID warnings
//   partitions[]: number name type typeName guid firstLBA lastLBA offset size attributes
//                 filesystem{type label uuid version} | null
//   slots[]: slot partition populated entries state triesLeft triesDone version (the OS version)
//            generation bootsNext
//   bootEntries[]: file id slot state triesLeft triesDone title version sortKey linux initrd options
//   manifest{path tool profile profileDigest sourceDateEpoch layers packages outputs{role: {file sha256}}
//            problem} | null
// GUIDs are lower-case, as blkid prints them; sizes and offsets are bytes.
import Disk

extension ImageReport {
    /// The report as JSON with stable, sorted keys; absent values are null.
    public func jsonText() -> String { jsonValue.rendered() + "\n" }

    var jsonValue: JSONValue {
        .object([
            "image": .string(image), "size": .integer(size), "sectorSize": .integer(GPT.sectorSize),
            "diskGUID": .string(diskGUID.description), "warnings": .array(warnings.map(JSONValue.string)),
            "partitions": .array(partitions.map(\.jsonValue)), "slots": .array(slots.map(\.jsonValue)),
            "bootEntries": .array(bootEntries.map(\.jsonValue)), "manifest": manifest?.jsonValue ?? .null,
        ])
    }
}

extension PartitionReport {
    var jsonValue: JSONValue {
        .object([
            "number": .integer(number), "name": .string(name), "type": .string(type.description),
            "typeName": .text(typeName), "guid": .string(guid.description), "firstLBA": .integer(firstLBA),
            "lastLBA": .integer(lastLBA), "offset": .integer(offset), "size": .integer(size),
            "attributes": .integer(attributes),
            "filesystem": filesystem.map { filesystem in
                .object([
                    "type": .string(filesystem.type), "label": .text(filesystem.label), "uuid": .text(filesystem.uuid),
                    "version": .text(filesystem.version),
                ])
            } ?? .null,
        ])
    }
}

extension SlotReport {
    var jsonValue: JSONValue {
        .object([
            "slot": .string(slot), "partition": .string(partition), "populated": .bool(populated),
            "entries": .array(entries.map(JSONValue.string)), "state": .text(state?.rawValue),
            "triesLeft": .integer(triesLeft), "triesDone": .integer(triesDone), "version": .text(version),
            "generation": .integer(generation), "bootsNext": .bool(bootsNext),
        ])
    }
}

extension BootEntryReport {
    var jsonValue: JSONValue {
        .object([
            "file": .string(file), "id": .string(id), "slot": .text(slot), "state": .string(state.rawValue),
            "triesLeft": .integer(triesLeft), "triesDone": .integer(triesDone), "title": .text(title),
            "version": .text(version), "sortKey": .text(sortKey), "linux": .text(linux),
            "initrd": .array(initrd.map(JSONValue.string)),
            "options": .text(options),
        ])
    }
}

extension ManifestSummary {
    var jsonValue: JSONValue {
        .object([
            "path": .string(path), "tool": .text(tool), "profile": .text(profile),
            "profileDigest": .text(profileDigest),
            "sourceDateEpoch": .integer(sourceDateEpoch), "layers": .integer(layers), "packages": .integer(packages),
            "outputs": .object(
                outputs.mapValues { output in .object(["file": .string(output.file), "sha256": .text(output.sha256)]) }),
            "problem": .text(problem),
        ])
    }
}
