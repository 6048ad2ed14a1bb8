// Computing a layout from sizes, and refusing one that cannot hold its contents — before anything
// is written.

extension DiskLayout {
    /// The largest size accepted for any one partition or the disk; keeps all arithmetic far from overflow.
    public static let maximumSize: UInt64 = 64 << 40

    /// The unique GUID (PARTUUID) the partition with `role` gets in every layout made with `seed`,
    /// whatever the sizes: boot entries can name a slot's root before the layout is final.
    public static func partitionGUID(_ role: Role, seed: String) -> GUID {
        GUID.derived(seed: seed, purpose: "partition:" + role.name)
    }

    /// Lays out the partitions for `sizes`, with GUIDs derived from `seed` (use the profile digest:
    /// the same profile then always gets the same disk and partition GUIDs).
    ///
    /// `contents` gives the bytes each partition must hold (an ext4 image's size, the ESP's files);
    /// a partition smaller than its contents, or a `total` smaller than the partitions, throws
    /// `DiskError.contentTooLarge` or `.diskTooSmall` naming the partition and both sizes. A bad size
    /// throws `.invalidSize`.
    public init(
        sizes: Sizes, seed: String, contents: [Role: UInt64] = [:], rootType: GUID = GPT.PartitionType.rootX86_64
    ) throws {
        let mebibyte = ByteSize.mebibyte
        var requested: [(Role, UInt64)] = [(.esp, sizes.esp), (.rootA, sizes.root), (.rootB, sizes.root)]
        if let oem = sizes.oem { requested.append((.oem, oem)) }
        requested.append((.state, sizes.state))

        for (role, size) in requested {
            guard size > 0 else { throw DiskError.invalidSize(key: role.name, value: size, rule: "must not be zero") }
            guard size <= DiskLayout.maximumSize else {
                throw DiskError.invalidSize(
                    key: role.name, value: size, rule: "must be at most \(ByteSize.text(DiskLayout.maximumSize))")
            }
        }
        guard sizes.esp >= ESPBuilder.minimumSize else {
            throw DiskError.invalidSize(
                key: "ESP", value: sizes.esp,
                rule: "must be at least \(ByteSize.text(ESPBuilder.minimumSize)) to hold a FAT filesystem")
        }
        if let total = sizes.total {
            guard total % mebibyte == 0, total <= DiskLayout.maximumSize else {
                throw DiskError.invalidSize(
                    key: "total", value: total,
                    rule: "must be a whole number of MiB, at most \(ByteSize.text(DiskLayout.maximumSize))")
            }
        }

        var placed: [Partition] = []
        var offset = mebibyte  // the first MiB: protective MBR, primary header and entry array
        for (role, size) in requested {
            let rounded = (size + mebibyte - 1) / mebibyte * mebibyte
            placed.append(
                Partition(
                    role: role, offset: offset, size: rounded, type: role.type(root: rootType),
                    guid: DiskLayout.partitionGUID(role, seed: seed)))
            offset += rounded
        }
        let needed = offset + mebibyte  // the last MiB: backup entry array and header
        var total = needed
        if let requestedTotal = sizes.total {
            guard requestedTotal >= needed else { throw DiskError.diskTooSmall(needed: needed, total: requestedTotal) }
            total = requestedTotal
            if let last = placed.indices.last { placed[last].size += requestedTotal - needed }
        }

        for partition in placed {
            if let content = contents[partition.role], content > partition.size {
                throw DiskError.contentTooLarge(
                    partition: partition.name, content: content, partitionSize: partition.size)
            }
        }
        if let content = contents[.oem], sizes.oem == nil {
            throw DiskError.invalidSize(
                key: "OEM", value: content,
                rule: "there are OEM contents but the layout has no OEM partition: give it a size")
        }

        self.diskGUID = GUID.derived(seed: seed, purpose: "disk")
        self.size = total
        self.partitions = placed
    }
}
