// Applying a payload to the inactive slot of a disk: an image file offline, the disk of a running
// host. Everything is checked before the first write (signature, name, architecture, version, slot
// size, every frame's digest), and the writes go in the order that keeps the disk bootable at every
// instant:
//
//   1. the inactive slot's entry is removed (the loader can no longer pick a half-written slot)
//   2. the root filesystem, chunk by chunk (each decompressed and checked again), then fsync
//   3. kernel and initrd under temporary names, renamed into place
//   4. the new entry, "+TRIES", with a higher generation than every other so it boots first,
//      written under a temporary name and renamed into place
//
// The running slot's entry is never touched. A cut anywhere before step 4 leaves the old entry as
// the only one; a retry starts again from step 1.
import BootSlots
import PartitionTable

public struct UpdateApplier {
    public var disk: PosixFile
    public var esp: any ESPVolume
    /// The slot the system runs from (or, offline, the one that boots next).
    public var runningSlot: String
    /// What the running slot's root says about itself, and the keys it trusts.
    public var release: ReleaseInfo
    public var trustedKeys: [UpdatePublicKey]
    public var allowDowngrade = false
    /// Called with a line at each step (verifying, writing).
    public var progress: (String) -> Void = { _ in }

    public init(
        disk: PosixFile, esp: any ESPVolume, runningSlot: String, release: ReleaseInfo,
        trustedKeys: [UpdatePublicKey]
    ) {
        self.disk = disk
        self.esp = esp
        self.runningSlot = runningSlot
        self.release = release
        self.trustedKeys = trustedKeys
    }

    /// What an apply installed.
    public struct Applied: Sendable, Equatable {
        public var slot: String
        public var version: String
        public var entryFile: String
        public var manifestDigest: String
    }

    /// Verifies `payloadPath` and installs it into the slot that is not running.
    public func apply(payloadPath: String) throws(UpdateError) -> Applied {
        let payload = try Payload(path: payloadPath)
        let manifest = try payload.verifiedManifest(trusted: trustedKeys)
        try checkCompatible(manifest, source: payloadPath)
        let slots = try DiskSlots.read(disk: disk, esp: esp)
        let target = DiskSlots.other(runningSlot)
        // While the running slot is still being tried, the other slot is what the loader falls
        // back to: overwriting it would leave an untested version with nothing behind it.
        if let running = slots.entry(runningSlot), running.fileName.state == .indeterminate,
            let fallback = slots.entry(target), fallback.fileName.state != .bad
        {
            throw UpdateError(
                payloadPath,
                "slot \(runningSlot.uppercased()) (version \(running.osVersion ?? "unknown")) has not been blessed "
                    + "yet, and slot \(target.uppercased()) (version \(fallback.osVersion ?? "unknown")) is its "
                    + "fallback; boot it until its health check passes, then apply")
        }
        let partition = try slots.partition(target)
        guard manifest.rootSize <= partition.size else {
            throw UpdateError(
                payloadPath,
                "the root filesystem is \(manifest.rootSize) bytes and slot \(target.uppercased()) "
                    + "(\(partition.name)) holds \(partition.size): build the image with a larger disk.root")
        }
        progress("verifying \(payload.layout(manifest).count) frames of \(payload.dataSize >> 20) MiB")
        try payload.verifyData(manifest)

        // From here on the disk changes, in the order explained above.
        for old in slots.entries where old.slot == target {
            try esp.remove(DiskSlots.entriesDirectory + "/" + old.fileName.fileName)
        }
        try esp.sync()
        progress("writing slot \(target.uppercased()) (\(partition.name), \(manifest.rootSize >> 20) MiB)")
        try writeRoot(payload, manifest, into: partition)
        let directory = "slipway-" + target
        for item in payload.layout(manifest) {
            let path: String
            switch item.role {
            case .kernel: path = directory + "/vmlinuz"
            case .initrd: path = directory + "/initrd.img"
            case .chunk: continue
            }
            try esp.write(path + ".new", try payload.read(item))
            try esp.rename(path + ".new", to: path)
        }
        try esp.sync()
        let name = LoaderEntryName(id: "slipway-" + target, triesLeft: manifest.tries)
        let text = LoaderEntry.render(
            title: "\(manifest.title) (slot \(target.uppercased()))", version: String(slots.highestGeneration + 1),
            linux: "/\(directory)/vmlinuz", initrd: "/\(directory)/initrd.img",
            options: Self.options(manifest, slot: target, partition: partition))
        let entryPath = DiskSlots.entriesDirectory + "/" + name.fileName
        try esp.write(entryPath + ".new", Array(text.utf8))
        try esp.rename(entryPath + ".new", to: entryPath)
        try esp.sync()
        return Applied(
            slot: target, version: manifest.version, entryFile: name.fileName, manifestDigest: payload.manifestDigest)
    }

    /// The rules a verified manifest must meet for this system.
    func checkCompatible(_ manifest: PayloadManifest, source: String) throws(UpdateError) {
        guard manifest.name == release.name else {
            throw UpdateError(
                source, "the payload is for profile \"\(manifest.name)\"; this system is \"\(release.name)\"")
        }
        guard manifest.architecture == release.architecture else {
            throw UpdateError(
                source, "the payload is for \(manifest.architecture); this system is \(release.architecture)")
        }
        let order = VersionOrder.compare(manifest.version, release.version)
        guard order > 0 || allowDowngrade else {
            throw UpdateError(
                source,
                "version \(manifest.version) is \(order == 0 ? "the version already running" : "older than the running \(release.version)")"
                    + "; only newer versions are applied (--allow-downgrade to install it anyway)")
        }
    }

    private func writeRoot(_ payload: Payload, _ manifest: PayloadManifest, into partition: GPT.Partition)
        throws(UpdateError)
    {
        let chunkSize = UInt64(manifest.chunkSize)
        for item in payload.layout(manifest) {
            guard case .chunk(let index) = item.role else { continue }
            try disk.write(try payload.read(item), at: partition.offset + UInt64(index) * chunkSize)
        }
        for (index, chunk) in manifest.chunks.enumerated() where chunk == nil {
            let start = UInt64(index) * chunkSize
            try disk.zero(at: partition.offset + start, count: Int(min(chunkSize, manifest.rootSize - start)))
        }
        try disk.sync()
    }

    /// The new entry's command line: the payload's options with the target slot's root, slot and
    /// version in front.
    static func options(_ manifest: PayloadManifest, slot: String, partition: GPT.Partition) -> String {
        let own = ["slipway.root=", "slipway.slot=", "slipway.version="]
        let kept = manifest.options.split(separator: " ").filter { word in !own.contains { word.hasPrefix($0) } }
        return
            ([
                "slipway.root=PARTUUID=\(partition.guid.description.lowercased())", "slipway.slot=\(slot)",
                "slipway.version=\(manifest.version)",
            ] + kept.map(String.init)).joined(separator: " ")
    }
}
