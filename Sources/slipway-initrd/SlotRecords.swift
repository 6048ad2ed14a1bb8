// The initrd's part of the slot records on STATE (BootSlots' SlotRecord): `.started` on every boot
// that reaches the system's init, `.failed` when a boot fails here and falls back. A record that
// cannot be written is reported and the boot goes on: it is for the report, not for booting.
import BootSlots
import CLinux
import Glibc

enum SlotRecords {
    /// Where STATE is mounted when the boot failed before mounting it on /sysroot/state.
    static let fallbackMount = "/run/slipway-state"

    /// Writes `record` as `kind` for `slot` under the STATE mounted at `stateMount`.
    static func write(_ record: SlotRecord, slot: String, kind: SlotRecord.Kind, stateMount: String) {
        let directory = stateMount + "/" + SlotRecord.directoryOnState
        let path = directory + "/" + SlotRecord.fileName(slot: slot, kind: kind)
        do {
            var prefix = stateMount
            for part in SlotRecord.directoryOnState.split(separator: "/") {
                prefix += "/" + part
                try System.makeDirectory(prefix)
            }
            try System.writeFile(path + ".new", record.text)
            guard rename(path + ".new", path) == 0 else { throw InitrdError("rename \(path).new: \(System.reason())") }
            // The rename must be on the disk too: a panic right after the switch (an init that
            // exits at once) resets the machine before ext4 commits its journal.
            System.syncDirectory(directory)
        } catch {
            Console.log(
                "could not record the boot of slot \(slot) on STATE: \((error as? InitrdError)?.message ?? "\(error)")")
        }
    }

    /// Records why the boot of `context.booted.slot` failed, mounting STATE (on the root's disk) if the
    /// boot had not got that far.
    static func recordFailure(_ context: BootContext, reason: String) {
        guard let slot = context.booted.slot else { return }
        let record = SlotRecord(version: context.booted.version ?? "unknown", reason: "initrd: " + reason)
        if context.stateMounted {
            write(record, slot: slot, kind: .failed, stateMount: RootSetup.stateMount)
            return
        }
        let states = BlockDevices.scan().filter {
            $0.isPartition && $0.partitionName == "STATE" && (context.rootDisk == nil || $0.disk == context.rootDisk)
        }
        guard states.count == 1, let state = states.first else { return }
        do {
            try System.makeDirectory(fallbackMount)
            try System.mount(
                state.devicePath, on: fallbackMount, type: "ext4", flags: UInt(MS_NOATIME), what: "mount STATE")
        } catch {
            Console.log(
                "could not mount STATE to record the failure: \((error as? InitrdError)?.message ?? "\(error)")")
            return
        }
        write(record, slot: slot, kind: .failed, stateMount: fallbackMount)
        sync()
        umount(fallbackMount)
    }
}
