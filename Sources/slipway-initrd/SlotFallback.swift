// When the boot of a slot fails in the initrd (its root does not mount, STATE is missing), stopping
// in the rescue shell would leave the machine down although the other slot may hold a version that
// works. So the initrd first looks at the ESP: if the other slot has an entry the boot loader will
// still pick (good, or with tries left), it says why and reboots. The loader took one of this
// entry's tries when it started it, so after the last one it boots the other slot. Only when there
// is nothing to fall back to does the boot stop with the error on the console.
import BootSlots
import CLinux
import FirstBoot
import Glibc

/// What the failing boot had found out before it failed.
struct BootContext {
    /// "a" or "b", from slipway.slot= or the root partition's name; nil while unknown.
    var slot: String?
    var version: String?
    /// The disk holding the root slot, once the root device was found.
    var rootDisk: String?
    /// Whether STATE is mounted on /sysroot/state.
    var stateMounted = false
}

enum SlotFallback {
    /// Reboots when the other slot has a usable entry; returns (having said why not) otherwise.
    static func rebootIfAnotherSlotCanBoot(_ context: BootContext, reason: String) {
        guard let slot = context.slot else {
            Console.log("no fallback: cannot tell which slot this is (no slipway.slot= and no ROOT-A/ROOT-B root)")
            return
        }
        let other = slot == "a" ? "b" : "a"
        let esps = BlockDevices.scan().filter {
            $0.isPartition && $0.partitionName == "ESP" && (context.rootDisk == nil || $0.disk == context.rootDisk)
        }
        guard esps.count == 1, let esp = esps.first else {
            Console.log("no fallback: \(esps.isEmpty ? "no" : "\(esps.count)") partitions named ESP")
            return
        }
        do {
            try BootEntryUpdate.mountESP(esp)
        } catch {
            Console.log("no fallback: \((error as? InitrdError)?.message ?? "\(error)")")
            return
        }
        let names = (try? System.listDirectory(BootEntryUpdate.espMount + "/" + SlotLoaderEntry.directory)) ?? []
        let usable = names.compactMap(LoaderEntryName.init(fileName:)).first {
            $0.slot == other && $0.state != .bad
        }
        umount(BootEntryUpdate.espMount)
        guard let usable else {
            Console.log("no fallback: slot \(other) has no usable boot entry")
            return
        }
        SlotRecords.recordFailure(context, reason: reason)
        Console.line(
            "slipway: slot \(slot) failed: \(reason); slot \(other) has a usable boot entry (\(usable.fileName)), "
                + "rebooting so the boot loader can fall back")
        do {
            try Reboot.now()
        } catch {
            Console.error("\(error)")
        }
    }
}
