// Reading and writing the slot records of BootSlots' SlotRecord on a booted system. The health gate
// writes `.failed` (slipway-update mark-failed); the initrd writes `.started` and, when it falls
// back, `.failed`; blessing the slot or installing into it clears both.
public import BootSlots
import Glibc

extension SlotRecord {
    /// The record of `slot`, nil if there is none. One that is there but cannot be read is an
    /// error, so that a report never says a slot has no record when it could not look.
    public static func read(
        slot: String, kind: Kind, in directory: String = SlotRecord.directory
    ) throws(UpdateError) -> SlotRecord? {
        let path = directory + "/" + fileName(slot: slot, kind: kind)
        if access(path, F_OK) != 0 && errno == ENOENT { return nil }
        let bytes = try PosixFile(path: path).read(at: 0, count: 64 << 10)
        return SlotRecord(parsing: String(decoding: bytes, as: UTF8.self))
    }

    /// Writes the record beside its final name and renames it into place.
    public func write(slot: String, kind: Kind, in directory: String = SlotRecord.directory) throws(UpdateError) {
        try PosixFile.makeDirectories(directory)
        // Flushed with its directory: the reboot that usually follows must not lose it.
        try PosixFile.replace(directory + "/" + Self.fileName(slot: slot, kind: kind), with: Array(text.utf8))
    }

    /// Removes both records of `slot`.
    public static func clear(slot: String, in directory: String = SlotRecord.directory) {
        for kind in [Kind.started, .failed] { unlink(directory + "/" + fileName(slot: slot, kind: kind)) }
    }

    /// Why `entry`'s version was abandoned, from the records of its slot; nil unless its entry is
    /// bad or still being tried (a blessed entry has not failed).
    public static func failure(of entry: SlotEntry, in directory: String = SlotRecord.directory) -> String? {
        guard entry.fileName.state != .good, let version = entry.osVersion else { return nil }
        let failed: SlotRecord?
        let started: SlotRecord?
        do {
            failed = try read(slot: entry.slot, kind: .failed, in: directory)
            started = try read(slot: entry.slot, kind: .started, in: directory)
        } catch {
            return "why is not known: its boot records cannot be read (\(error))"
        }
        if let failed, failed.version == version { return failed.reason }
        guard entry.fileName.state == .bad else { return nil }
        if let started, started.version == version {
            return "it started its init but never passed its health check (it crashed, hung or rebooted before)"
        }
        return "its boots never reached its init (the kernel or the initrd failed before it could record why)"
    }
}

extension SlotActions {
    /// Whether a reboot gives the boot loader something else to try after the booted slot failed:
    /// the booted entry's remaining tries (the loader took one when it started it), or another slot
    /// with a good or untried entry.
    public static func rebootHelps(booted: String, slots: DiskSlots) -> Bool {
        if let entry = slots.entry(booted), entry.fileName.state == .indeterminate { return true }
        guard let other = slots.entry(DiskSlots.other(booted)) else { return false }
        return other.fileName.state != .bad
    }
}
