// Planning a disk's partitions from a declarative list, with the semantics of Ignition's
// `storage.disks[].partitions` (config spec v3 and its operator notes), so that first boot can
// partition extra disks without sgdisk. Pure: the caller reads the table, plans, and writes the
// result's regions.
//
// For each requested partition, numbered ones first and number 0 ("the next free slot") last:
//   - unset startMiB/sizeMiB mean "as the existing partition has it" (unless its entry may be
//     wiped); 0 means "start of the largest free block" / "to the end of the free block it starts
//     in", as sgdisk resolves them; free space is counted without the partition being planned;
//   - an existing partition that matches (start, size, and type, GUID and name where given) is kept;
//     one that does not is an error, unless wipePartitionEntry (delete and recreate it) or resize
//     (everything but the size matches: keep it, change its end) allows the change;
//   - shouldExist false deletes an existing partition only with wipePartitionEntry;
//   - new partitions start on 1 MiB boundaries and get the Linux filesystem type and a new GUID by default.

extension GPT {
    /// One partition as a declarative config asks for it.
    public struct PartitionRequest: Equatable, Sendable {
        /// The entry number; 0 takes an existing partition with the same name, else the first free number.
        public var number: Int
        /// The partition name (PARTLABEL); nil: any (existing) or empty (new).
        public var name: String?
        /// Start in MiB; 0: the start of the largest free block; nil: the existing start, else 0.
        public var startMiB: Int?
        /// Size in MiB; 0: to the end of the free block; nil: the existing size, else 0.
        public var sizeMiB: Int?
        /// The type GUID; nil: any (existing) or Linux filesystem data (new).
        public var type: GUID?
        /// The unique GUID; nil: any (existing) or a new random one.
        public var guid: GUID?
        /// An existing partition that does not match (or should not exist) may be deleted.
        public var wipeEntry: Bool
        public var shouldExist: Bool
        /// An existing partition that matches in all but its size gets the requested size.
        public var resize: Bool

        public init(
            number: Int = 0, name: String? = nil, startMiB: Int? = nil, sizeMiB: Int? = nil, type: GUID? = nil,
            guid: GUID? = nil, wipeEntry: Bool = false, shouldExist: Bool = true, resize: Bool = false
        ) {
            self.number = number
            self.name = name
            self.startMiB = startMiB
            self.sizeMiB = sizeMiB
            self.type = type
            self.guid = guid
            self.wipeEntry = wipeEntry
            self.shouldExist = shouldExist
            self.resize = resize
        }
    }

    /// What planning decided for one request, by the partition number it concerns.
    public enum PlanStep: Equatable, Sendable {
        /// It exists as requested.
        case kept(Int)
        case created(Int)
        /// Deleted and created again (wipePartitionEntry).
        case recreated(Int)
        /// Its end moved (resize).
        case resized(Int)
        case deleted(Int)
        /// It should not exist and does not.
        case absent(Int)

        /// The partition number.
        public var number: Int {
            switch self {
            case .kept(let n), .created(let n), .recreated(let n), .resized(let n), .deleted(let n), .absent(let n): n
            }
        }

        /// What happened, in a word: kept, created, recreated, resized, deleted, absent.
        public var action: String {
            switch self {
            case .kept: "kept"
            case .created: "created"
            case .recreated: "recreated"
            case .resized: "resized"
            case .deleted: "deleted"
            case .absent: "absent"
            }
        }

        /// Whether the table changes.
        public var changes: Bool {
            switch self {
            case .kept, .absent: false
            default: true
            }
        }
    }

    /// A request that cannot be satisfied: `index` is its position in the list given to `planned`.
    public struct PlanError: Error, Equatable, Sendable, CustomStringConvertible {
        public var index: Int
        public var reason: String
        public var description: String { "partition \(index): \(reason)" }
    }
}

extension GPT.Table {
    /// This table with `requests` applied, and one step per request in the order of `requests`.
    /// `newGUID` makes the unique GUIDs of new partitions. Throws `GPT.PlanError` naming the request.
    public func planned(_ requests: [GPT.PartitionRequest], newGUID: () -> GUID) throws(GPT.PlanError) -> (
        table: GPT.Table, steps: [GPT.PlanStep]
    ) {
        var table = self
        var steps = [GPT.PlanStep?](repeating: nil, count: requests.count)
        let order =
            requests.indices.filter { requests[$0].number != 0 }
            + requests.indices.filter {
                requests[$0].number == 0
            }
        for index in order {
            steps[index] = try table.apply(
                requests[index], newGUID: newGUID, fail: { GPT.PlanError(index: index, reason: $0) })
        }
        return (table, steps.compactMap { $0 })
    }

    private mutating func apply(
        _ request: GPT.PartitionRequest, newGUID: () -> GUID, fail: (String) -> GPT.PlanError
    ) throws(GPT.PlanError) -> GPT.PlanStep {
        let number = try resolveNumber(request, fail: fail)
        let existing = partitions.first { $0.number == number }
        guard request.shouldExist else {
            guard let existing else { return .absent(number) }
            guard request.wipeEntry else {
                throw fail(
                    "partition \(number) (\(Self.describe(existing))) exists but shouldExist is false; set "
                        + "wipePartitionEntry: true to delete it")
            }
            partitions.removeAll { $0.number == number }
            return .deleted(number)
        }
        let others = partitions.filter { $0.number != number }
        let keep = existing != nil && !request.wipeEntry
        let first = try firstSector(request, existing: keep ? existing : nil, others: others, fail: fail)
        let sectors = try sectorCount(
            request, start: first, existing: keep ? existing : nil, others: others, fail: fail)
        let last = first + sectors - 1
        guard let existing else {
            try checkPlacement(first, last, number: number, others: others, fail: fail)
            partitions.append(
                GPT.Partition(
                    number: number, type: request.type ?? GPT.PartitionType.linuxData, guid: request.guid ?? newGUID(),
                    firstLBA: first, lastLBA: last, name: request.name ?? ""))
            partitions.sort { $0.number < $1.number }
            return .created(number)
        }
        let mismatch =
            Self.mismatch(existing, request, first: first)
            ?? (existing.lastLBA == last
                ? nil : "its size is \(Self.mib(existing.size / 512)), the config asks for \(Self.mib(sectors))")
        guard let mismatch else { return .kept(number) }
        if request.wipeEntry {
            try checkPlacement(first, last, number: number, others: others, fail: fail)
            let index = partitions.firstIndex { $0.number == number } ?? partitions.endIndex
            partitions[index] = GPT.Partition(
                number: number, type: request.type ?? GPT.PartitionType.linuxData, guid: request.guid ?? newGUID(),
                firstLBA: first, lastLBA: last, name: request.name ?? "")
            return .recreated(number)
        }
        if request.resize, Self.mismatch(existing, request, first: first) == nil {
            try checkPlacement(first, last, number: number, others: others, fail: fail)
            let index = partitions.firstIndex { $0.number == number } ?? partitions.endIndex
            partitions[index].lastLBA = last
            return .resized(number)
        }
        throw fail(
            "partition \(number) exists and does not match: \(mismatch); set wipePartitionEntry: true to replace it "
                + "(its data is lost)\(request.resize ? "" : " or resize: true if only the size differs")")
    }

    /// The number a request concerns: its own, or for 0 the existing partition of the same name, or the
    /// first free entry.
    private func resolveNumber(_ request: GPT.PartitionRequest, fail: (String) -> GPT.PlanError) throws(GPT.PlanError)
        -> Int
    {
        guard request.number == 0 else {
            guard (1...GPT.entryCount).contains(request.number) else {
                throw fail("number \(request.number) is outside 1…\(GPT.entryCount), the entries of a GPT")
            }
            return request.number
        }
        if let name = request.name, let existing = partitions.first(where: { $0.name == name }) {
            return existing.number
        }
        let used = Set(partitions.map(\.number))
        guard let free = (1...GPT.entryCount).first(where: { !used.contains($0) }) else {
            throw fail("all \(GPT.entryCount) entries of the table are used")
        }
        return free
    }

    /// Why `existing` is not the partition `request` describes, apart from its size; nil if it is.
    private static func mismatch(_ existing: GPT.Partition, _ request: GPT.PartitionRequest, first: UInt64) -> String? {
        if existing.firstLBA != first {
            return "it starts at \(mib(existing.firstLBA)), the config asks for \(mib(first))"
        }
        if let type = request.type, type != existing.type {
            return "its type GUID is \(existing.type.uppercased), the config asks for \(type.uppercased)"
        }
        if let guid = request.guid, guid != existing.guid {
            return "its GUID is \(existing.guid.uppercased), the config asks for \(guid.uppercased)"
        }
        if let name = request.name, name != existing.name {
            return "its label is \"\(existing.name)\", the config asks for \"\(name)\""
        }
        return nil
    }

    // MARK: - Placement

    private func firstSector(
        _ request: GPT.PartitionRequest, existing: GPT.Partition?, others: [GPT.Partition],
        fail: (String) -> GPT.PlanError
    ) throws(GPT.PlanError) -> UInt64 {
        if request.startMiB == nil, let existing { return existing.firstLBA }
        let startMiB = request.startMiB ?? 0
        if startMiB == 0 {
            // The largest free block (the first of equals), from its first 1 MiB boundary.
            let blocks = freeBlocks(besides: others).compactMap { block -> ClosedRange<UInt64>? in
                let aligned = Self.alignUp(block.lowerBound)
                return aligned <= block.upperBound ? aligned...block.upperBound : nil
            }
            guard let largest = blocks.max(by: { $0.count < $1.count }) else {
                throw fail("there is no free space left on the disk")
            }
            return largest.lowerBound
        }
        guard startMiB > 0 else { throw fail("startMiB \(startMiB) is negative") }
        return UInt64(startMiB) * GPT.Table.alignmentSectors
    }

    private func sectorCount(
        _ request: GPT.PartitionRequest, start: UInt64, existing: GPT.Partition?, others: [GPT.Partition],
        fail: (String) -> GPT.PlanError
    ) throws(GPT.PlanError) -> UInt64 {
        if request.sizeMiB == nil, let existing { return existing.size / GPT.sectorSize }
        let sizeMiB = request.sizeMiB ?? 0
        guard sizeMiB == 0 else {
            guard sizeMiB > 0 else { throw fail("sizeMiB \(sizeMiB) is negative") }
            return UInt64(sizeMiB) * GPT.Table.alignmentSectors
        }
        guard let block = freeBlocks(besides: others).first(where: { $0.contains(start) }) else {
            let holder = others.first { $0.firstLBA <= start && start <= $0.lastLBA }
            throw fail(
                "it starts at \(Self.mib(start)), "
                    + (holder.map { "inside partition \($0.number) (\(Self.describe($0)))" }
                        ?? "outside the disk's usable sectors") + ", so it has no room to fill")
        }
        return block.upperBound - start + 1
    }

    private func checkPlacement(
        _ first: UInt64, _ last: UInt64, number: Int, others: [GPT.Partition], fail: (String) -> GPT.PlanError
    ) throws(GPT.PlanError) {
        guard first >= firstUsableLBA, last <= lastUsableLBA else {
            throw fail(
                "partition \(number) at \(Self.mib(first))…\(Self.mib(last + 1)) does not fit the disk, whose usable "
                    + "sectors are \(firstUsableLBA)…\(lastUsableLBA) (\(Self.mib(sectorCount)) in all)")
        }
        if let other = others.first(where: { $0.firstLBA <= last && first <= $0.lastLBA }) {
            throw fail(
                "partition \(number) at \(Self.mib(first))…\(Self.mib(last + 1)) overlaps partition \(other.number) "
                    + "(\(Self.describe(other)))")
        }
    }

    /// The unused runs of usable sectors, in disk order, when only `used` occupies the disk.
    func freeBlocks(besides used: [GPT.Partition]) -> [ClosedRange<UInt64>] {
        var blocks: [ClosedRange<UInt64>] = []
        var next = firstUsableLBA
        for partition in used.sorted(by: { $0.firstLBA < $1.firstLBA }) {
            if partition.firstLBA > next { blocks.append(next...(partition.firstLBA - 1)) }
            next = max(next, partition.lastLBA + 1)
        }
        if next <= lastUsableLBA { blocks.append(next...lastUsableLBA) }
        return blocks
    }

    private static func alignUp(_ sector: UInt64) -> UInt64 {
        (sector + alignmentSectors - 1) / alignmentSectors * alignmentSectors
    }

    /// `12 MiB`, or `12 MiB + 34 sectors` off a boundary.
    static func mib(_ sectors: UInt64) -> String {
        let whole = sectors / alignmentSectors, rest = sectors % alignmentSectors
        return rest == 0 ? "\(whole) MiB" : "\(whole) MiB + \(rest) sectors"
    }

    private static func describe(_ partition: GPT.Partition) -> String {
        "\"\(partition.name)\" at \(mib(partition.firstLBA)), \(mib(partition.size / GPT.sectorSize))"
    }
}
