import BootSlots
import Foundation
import PartitionTable
import TestSupport
import Testing
import Update

/// Blessing and rolling back, on an ESP that is a plain directory (MountedESP), as on a host.
struct SlotActionsTests {
    static func entry(_ slot: String, generation: Int, version: String) -> String {
        LoaderEntry.render(
            title: "Minimal (slot \(slot.uppercased()))", version: String(generation),
            linux: "/slipway-\(slot)/vmlinuz",
            initrd: "/slipway-\(slot)/initrd.img", options: "slipway.slot=\(slot) slipway.version=\(version)")
    }

    /// An ESP directory holding `files` (entry file name → text), and the slots read from it.
    static func esp(_ files: [String: String], in directory: TemporaryDirectory) throws -> (MountedESP, DiskSlots) {
        let entries = directory.file("loader/entries")
        try FileManager.default.createDirectory(atPath: entries, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(toFile: entries + "/" + name, atomically: true, encoding: .utf8) }
        let esp = MountedESP(root: directory.path)
        var slots = [SlotEntry]()
        for name in try esp.list(DiskSlots.entriesDirectory) {
            let fileName = try #require(LoaderEntryName(fileName: name))
            slots.append(
                SlotEntry(
                    slot: try #require(fileName.slot), fileName: fileName,
                    entry: LoaderEntry(
                        parsing: String(decoding: try esp.read(DiskSlots.entriesDirectory + "/" + name), as: UTF8.self))
                ))
        }
        let table = GPT.Table(diskGUID: GUID.zero, sectorCount: 0, partitions: [])
        return (esp, DiskSlots(table: table, entries: BootOrder.sorted(slots)))
    }

    @Test func markGoodDropsTheCounter() throws {
        let directory = try TemporaryDirectory()
        let (esp, slots) = try Self.esp(
            [
                "slipway-a.conf": Self.entry("a", generation: 1, version: "1"),
                "slipway-b+1-1.conf": Self.entry("b", generation: 2, version: "2"),
            ], in: directory)
        #expect(try SlotActions.markGood("b", esp: esp, slots: slots) == "slipway-b.conf")
        #expect(try esp.list(DiskSlots.entriesDirectory) == ["slipway-a.conf", "slipway-b.conf"])
        let (_, again) = try Self.esp([:], in: directory)
        #expect(try SlotActions.markGood("b", esp: esp, slots: again) == nil, "already good: nothing to do")
    }

    @Test func rollbackMakesTheOtherSlotBootFirst() throws {
        let directory = try TemporaryDirectory()
        let (esp, slots) = try Self.esp(
            [
                "slipway-a.conf": Self.entry("a", generation: 1, version: "1"),
                "slipway-b.conf": Self.entry("b", generation: 2, version: "2"),
            ], in: directory)
        #expect(slots.nextBoot?.slot == "b")
        let entry = try SlotActions.rollback(running: "b", tries: 3, esp: esp, slots: slots)
        #expect(entry.fileName.fileName == "slipway-a+3.conf")
        #expect(entry.generation == 3)
        #expect(try esp.list(DiskSlots.entriesDirectory) == ["slipway-a+3.conf", "slipway-b.conf"])
        let (_, after) = try Self.esp([:], in: directory)
        #expect(after.nextBoot?.slot == "a")
        #expect(after.nextBoot?.osVersion == "1")
    }

    @Test func rollbackRefusesABadOrMissingSlot() throws {
        let directory = try TemporaryDirectory()
        let (esp, slots) = try Self.esp(
            [
                "slipway-a.conf": Self.entry("a", generation: 1, version: "1"),
                "slipway-b+0-2.conf": Self.entry("b", generation: 2, version: "2"),
            ], in: directory)
        let bad = try #require(throws: UpdateError.self) {
            try SlotActions.rollback(running: "a", tries: 3, esp: esp, slots: slots)
        }
        #expect(bad.rule.contains("failed its boots"))
        let (lonely, one) = try Self.esp(
            ["slipway-a.conf": Self.entry("a", generation: 1, version: "1")], in: try TemporaryDirectory())
        let missing = try #require(throws: UpdateError.self) {
            try SlotActions.rollback(running: "a", tries: 3, esp: lonely, slots: one)
        }
        #expect(missing.rule.contains("no boot entry"))
    }

    @Test func bootOrderFollowsSystemdBoot() {
        func make(_ file: String, _ generation: Int) -> SlotEntry {
            let name = LoaderEntryName(fileName: file)!
            return SlotEntry(
                slot: name.slot!, fileName: name,
                entry: LoaderEntry(parsing: Self.entry(name.slot!, generation: generation, version: "v")))
        }
        // The newest generation first, unless it has no tries left.
        #expect(BootOrder.sorted([make("slipway-a.conf", 1), make("slipway-b+2.conf", 2)]).map(\.slot) == ["b", "a"])
        #expect(
            BootOrder.sorted([make("slipway-a.conf", 1), make("slipway-b+0-2.conf", 2)]).map(\.slot) == ["a", "b"])
        #expect(BootOrder.sorted([make("slipway-a.conf", 10), make("slipway-b.conf", 9)]).map(\.slot) == ["a", "b"])
    }

    @Test func versionsCompareNumerically() {
        #expect(VersionOrder.compare("1.2.10", "1.2.9") > 0)
        #expect(VersionOrder.compare("2.0.0", "2.0.0") == 0)
        #expect(VersionOrder.compare("0.9", "0.10") < 0)
        #expect(VersionOrder.compare("1.0", "1.0.1") < 0)
    }

    @Test func rebootHelpsWhileTriesOrAnotherSlotAreLeft() throws {
        func slots(_ files: [String]) throws -> DiskSlots {
            let directory = try TemporaryDirectory()
            var entries: [String: String] = [:]
            for file in files {
                let slot = String(try #require(LoaderEntryName(fileName: file)?.slot))
                entries[file] = Self.entry(slot, generation: slot == "b" ? 2 : 1, version: slot)
            }
            return try Self.esp(entries, in: directory).1
        }
        #expect(SlotActions.rebootHelps(booted: "b", slots: try slots(["slipway-a.conf", "slipway-b+0-2.conf"])))
        #expect(SlotActions.rebootHelps(booted: "b", slots: try slots(["slipway-b+1-1.conf"])))
        #expect(!SlotActions.rebootHelps(booted: "a", slots: try slots(["slipway-a.conf"])))
        #expect(!SlotActions.rebootHelps(booted: "a", slots: try slots(["slipway-a+0-3.conf", "slipway-b+0-2.conf"])))
    }

    @Test func recordsSayWhyAVersionWasAbandoned() throws {
        let directory = try TemporaryDirectory()
        let place = directory.file("state/.slipway/update")
        func entry(_ file: String) -> SlotEntry {
            let name = LoaderEntryName(fileName: file)!
            return SlotEntry(
                slot: "b", fileName: name, entry: LoaderEntry(parsing: Self.entry("b", generation: 2, version: "2.0.0"))
            )
        }
        // Nothing recorded: the boots never reached init.
        #expect(
            SlotRecord.failure(of: entry("slipway-b+0-2.conf"), in: place)?.hasPrefix(
                "its boots never reached its init") == true)
        try SlotRecord(version: "2.0.0", reason: "-").write(slot: "b", kind: .started, in: place)
        #expect(
            SlotRecord.failure(of: entry("slipway-b+0-2.conf"), in: place)?.hasPrefix("it started its init but never")
                == true)
        try SlotRecord(version: "2.0.0", reason: "health gate: not ready\nsecond line").write(
            slot: "b", kind: .failed, in: place)
        #expect(SlotRecord.failure(of: entry("slipway-b+0-2.conf"), in: place) == "health gate: not ready second line")
        // A record of another version, or a blessed entry, says nothing.
        #expect(SlotRecord.failure(of: entry("slipway-b.conf"), in: place) == nil)
        try SlotRecord(version: "1.9.0", reason: "old").write(slot: "b", kind: .failed, in: place)
        #expect(SlotRecord.failure(of: entry("slipway-b+1-1.conf"), in: place) == nil)
        SlotRecord.clear(slot: "b", in: place)
        #expect(try SlotRecord.read(slot: "b", kind: .failed, in: place) == nil)
        #expect(try SlotRecord.read(slot: "b", kind: .started, in: place) == nil)
        // A record that is there but cannot be read is reported as such, never as no record.
        let unreadable = place + "/" + SlotRecord.fileName(slot: "b", kind: .failed)
        try FileManager.default.createDirectory(atPath: unreadable, withIntermediateDirectories: false)
        #expect(throws: UpdateError.self) { try SlotRecord.read(slot: "b", kind: .failed, in: place) }
        let reason = SlotRecord.failure(of: entry("slipway-b+0-2.conf"), in: place)
        #expect(reason?.hasPrefix("why is not known: its boot records cannot be read") == true, "\(reason ?? "nil")")
    }
}
