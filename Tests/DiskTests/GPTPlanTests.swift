import Disk
import Foundation
import TestSupport
import Testing

/// Partition planning for first-boot configs (`storage.disks`), checked against sgdisk: the same
/// changes made by sgdisk on a copy of the disk (as Ignition makes them) must give the same starts,
/// sizes, types and names, as sfdisk reads them back; sgdisk must find no problem in our table.
struct GPTPlanTests {
    static let linux = "0FC63DAF-8483-4772-8E79-3D69D8477DE4"
    static let swap = "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F"

    /// A 64 MiB image partitioned by sgdisk with `commands` (nothing for a blank one).
    static func image(_ directory: TemporaryDirectory, _ name: String, _ commands: [String] = []) throws -> String {
        let path = directory.file(name)
        #expect(try runTool(["truncate", "-s", "64M", path]).status == 0)
        if !commands.isEmpty {
            let result = try runTool(["sgdisk"] + commands + [path])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        }
        return path
    }

    /// Partitions as sfdisk reads them: number, start, size, type, name and GUID.
    static func sfdisk(_ path: String) throws -> [[String]] {
        let result = try runTool(["sfdisk", "--json", path])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let table = json?["partitiontable"] as? [String: Any]
        return (table?["partitions"] as? [[String: Any]] ?? []).map { entry in
            [
                String((entry["node"] as? String ?? "").dropFirst(path.count)), "\(entry["start"] ?? "")",
                "\(entry["size"] ?? "")", "\(entry["type"] ?? "")", "\(entry["name"] ?? "")", "\(entry["uuid"] ?? "")",
            ]
        }
    }

    /// Plans `requests` on the table of `start` (sgdisk commands) and compares the result with
    /// `equivalent` (sgdisk commands on a copy, given the table as read). Returns the planned table and its steps.
    @discardableResult
    static func compare(
        start: [String], requests: [GPT.PartitionRequest], wipeTable: Bool = false,
        equivalent: (GPT.Table) -> [[String]], sameGUIDs: [Int] = []
    ) throws -> (GPT.Table, [GPT.PlanStep]) {
        let directory = try TemporaryDirectory("gpt-plan")
        let ours = try image(directory, "ours.img", start)
        let theirs = directory.file("theirs.img")
        #expect(try runTool(["cp", ours, theirs]).status == 0)
        let read =
            try start.isEmpty
            ? GPT.Table(diskGUID: .zero, sectorCount: 64 << 11, partitions: []) : GPT.read(imageAt: ours)
        let before =
            wipeTable ? GPT.Table(diskGUID: read.diskGUID, sectorCount: read.sectorCount, partitions: []) : read
        var counter = 0
        let (table, steps) = try before.planned(requests) {
            counter += 1
            return GUID.derived(seed: "plan", purpose: "\(counter)")
        }
        try table.write(toImageAt: ours)
        for command in equivalent(read) {
            let result = try runTool(["sgdisk"] + command + [theirs])
            #expect(result.status == 0, "sgdisk \(command): \(result.stdout)\(result.stderr)")
        }
        let verify = try runTool(["sgdisk", "-v", ours])
        #expect(verify.stdout.contains("No problems found"), "\(verify.stdout)")
        let planned = try sfdisk(ours), expected = try sfdisk(theirs)
        // GUIDs differ where both sides made new ones; the ones that must survive are compared.
        #expect(planned.map { Array($0.prefix(5)) } == expected.map { Array($0.prefix(5)) })
        for number in sameGUIDs {
            let ourGUID = planned.first { $0[0] == "\(number)" }?[5]
            #expect(ourGUID != nil && ourGUID == expected.first { $0[0] == "\(number)" }?[5], "partition \(number)")
            #expect(ourGUID == read.partitions.first { $0.number == number }?.guid.uppercased, "partition \(number)")
        }
        return (table, steps)
    }

    @Test func blankDiskTwoPartitionsByLabel() throws {
        let (table, steps) = try Self.compare(
            start: [],
            requests: [
                GPT.PartitionRequest(number: 1, name: "data", sizeMiB: 16),
                GPT.PartitionRequest(name: "logs", sizeMiB: 0, type: GUID(Self.swap)),
            ],
            equivalent: { _ in [["-n", "1:0:+16M", "-c", "1:data", "-n", "2:0:0", "-c", "2:logs", "-t", "2:8200"]] })
        #expect(steps == [.created(1), .created(2)])
        #expect(table.partitions.map(\.firstLBA) == [2048, 34816])
        #expect(table.partitions[1].lastLBA == table.lastUsableLBA)
    }

    /// Start 0 is the start of the largest free block, not the first one, as sgdisk places it.
    @Test func startZeroTakesTheLargestFreeBlock() throws {
        let (table, _) = try Self.compare(
            start: [],
            requests: [
                GPT.PartitionRequest(number: 2, startMiB: 8, sizeMiB: 4),
                GPT.PartitionRequest(number: 1, startMiB: 0, sizeMiB: 0),
                GPT.PartitionRequest(number: 3, sizeMiB: 2),
            ],
            equivalent: { _ in [["-n", "2:8M:+4M"], ["-n", "1:0:0"], ["-n", "3:0:+2M"]] })
        #expect(table.partitions.map(\.firstLBA) == [12 << 11, 8 << 11, 2048])
    }

    /// Deleting (with wipePartitionEntry), resizing (same start, GUID, type and name) and a number-0
    /// partition that takes the freed entry number.
    @Test func deleteResizeAndAllocateANumber() throws {
        let start = [
            "-n", "1:1M:+8M", "-c", "1:a", "-n", "2:9M:+8M", "-c", "2:b", "-n", "3:17M:+8M", "-c", "3:c", "-t",
            "3:8200",
        ]
        let (table, steps) = try Self.compare(
            start: start,
            requests: [
                GPT.PartitionRequest(number: 2, wipeEntry: true, shouldExist: false),
                GPT.PartitionRequest(number: 3, name: "c", sizeMiB: 16, resize: true),
                GPT.PartitionRequest(name: "new", sizeMiB: 4),
                GPT.PartitionRequest(number: 1, name: "a"),
                GPT.PartitionRequest(number: 9, shouldExist: false),
            ],
            equivalent: { read in
                let guid3 = read.partitions.first { $0.number == 3 }?.guid.uppercased ?? ""
                return [
                    ["-d", "2"], ["-d", "3"], ["-n", "3:17M:+16M", "-c", "3:c", "-t", "3:8200", "-u", "3:\(guid3)"],
                    ["-n", "0:0:+4M", "-c", "2:new"],
                ]
            },
            sameGUIDs: [1, 3])
        #expect(steps == [.deleted(2), .resized(3), .created(2), .kept(1), .absent(9)])
        #expect(table.partitions.first { $0.number == 2 }?.firstLBA == 33 << 11)
    }

    @Test func wipeTableAndRecreateAnEntry() throws {
        let start = ["-n", "1:1M:+8M", "-c", "1:old", "-n", "2:9M:+8M", "-c", "2:b"]
        let (_, steps) = try Self.compare(
            start: start, requests: [GPT.PartitionRequest(number: 1, name: "fresh", startMiB: 4, sizeMiB: 2)],
            wipeTable: true, equivalent: { _ in [["-Z"], ["-n", "1:4M:+2M", "-c", "1:fresh"]] })
        #expect(steps == [.created(1)])
        let (_, recreated) = try Self.compare(
            start: start,
            requests: [GPT.PartitionRequest(number: 1, name: "fresh", startMiB: 1, sizeMiB: 2, wipeEntry: true)],
            equivalent: { _ in [["-d", "1", "-n", "1:1M:+2M", "-c", "1:fresh"]] }, sameGUIDs: [2])
        #expect(recreated == [.recreated(1)])
    }

    /// A config applied again (a retried first boot) changes nothing; number 0 finds its partition by label.
    @Test func appliedTwiceKeepsEverything() throws {
        let requests = [
            GPT.PartitionRequest(number: 1, name: "data", sizeMiB: 16),
            GPT.PartitionRequest(name: "logs", sizeMiB: 0),
        ]
        let blank = GPT.Table(diskGUID: .zero, sectorCount: 64 << 11, partitions: [])
        let first = try blank.planned(requests) { GUID.derived(seed: "twice", purpose: "x") }
        let second = try first.table.planned(requests) { GUID.derived(seed: "twice", purpose: "y") }
        #expect(second.table == first.table)
        #expect(second.steps == [.kept(1), .kept(2)])
    }

    static let existing = GPT.Table(
        diskGUID: .zero, sectorCount: 64 << 11,
        partitions: [
            GPT.Partition(
                number: 1, type: GPT.PartitionType.linuxData, guid: GUID.derived(seed: "e", purpose: "1"),
                firstLBA: 2048, lastLBA: (9 << 11) - 1, name: "a")
        ])

    static let refusalCases: [(GPT.PartitionRequest, String)] = [
        (
            GPT.PartitionRequest(number: 1, sizeMiB: 4),
            "partition 0: partition 1 exists and does not match: its size is 8 MiB, the config asks for 4 MiB; set "
                + "wipePartitionEntry: true to replace it (its data is lost) or resize: true if only the size differs"
        ),
        (
            GPT.PartitionRequest(number: 1, startMiB: 2, sizeMiB: 4, resize: true),
            "partition 0: partition 1 exists and does not match: it starts at 1 MiB, the config asks for 2 MiB; set "
                + "wipePartitionEntry: true to replace it (its data is lost)"
        ),
        (
            GPT.PartitionRequest(number: 1, name: "b"),
            "partition 0: partition 1 exists and does not match: its label is \"a\", the config asks for \"b\"; set "
                + "wipePartitionEntry: true to replace it (its data is lost) or resize: true if only the size differs"
        ),
        (
            GPT.PartitionRequest(number: 1, shouldExist: false),
            "partition 0: partition 1 (\"a\" at 1 MiB, 8 MiB) exists but shouldExist is false; set "
                + "wipePartitionEntry: true to delete it"
        ),
        (
            GPT.PartitionRequest(number: 2, startMiB: 4, sizeMiB: 4),
            "partition 0: partition 2 at 4 MiB…8 MiB overlaps partition 1 (\"a\" at 1 MiB, 8 MiB)"
        ),
        (
            GPT.PartitionRequest(number: 2, sizeMiB: 100),
            "partition 0: partition 2 at 9 MiB…109 MiB does not fit the disk, whose usable sectors are 34…131038 "
                + "(64 MiB in all)"
        ),
        (
            GPT.PartitionRequest(number: 2, startMiB: 4, sizeMiB: 0),
            "partition 0: it starts at 4 MiB, inside partition 1 (\"a\" at 1 MiB, 8 MiB), so it has no room to fill"
        ),
        (
            GPT.PartitionRequest(number: 129),
            "partition 0: number 129 is outside 1…128, the entries of a GPT"
        ),
    ]

    @Test(arguments: refusalCases)
    func refusals(request: GPT.PartitionRequest, message: String) throws {
        let error = try #require(throws: GPT.PlanError.self) {
            try Self.existing.planned([request]) { GUID.derived(seed: "e", purpose: "new") }
        }
        #expect(error.description == message)
    }
}
