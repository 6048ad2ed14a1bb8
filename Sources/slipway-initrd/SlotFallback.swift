// When the boot of a slot fails in the initrd (its root does not mount, STATE is missing), stopping
// in the rescue shell would leave the machine down although the other slot may hold a version that
// works. So the initrd first looks at the ESP: if the other slot has an entry the boot loader will
// still pick (good, or with tries left), it says why and reboots. The loader took one of this
// entry's tries when it started it, so after the last one it boots the other slot. Only when there
// is nothing to fall back to, or rebooting would start this same boot again (a blessed entry is
// never counted; see SlotLoaderEntry.fallback), does the boot stop with the error on the console.
import FirstBoot

/// What the failing boot had found out before it failed.
struct BootContext {
    /// The slot ("a", "b") from slipway.slot= or the root partition's name, and the version.
    var booted = BootedSlot()
    /// The disk holding the root slot, once the root device was found.
    var rootDisk: String?
    /// Whether STATE is mounted on /sysroot/state.
    var stateMounted = false
}

enum SlotFallback {
    /// Reboots when the other slot has a usable entry; returns (having said why not) otherwise.
    static func rebootIfAnotherSlotCanBoot(_ context: BootContext, reason: String) {
        guard let slot = context.booted.slot else {
            noFallback("cannot tell which slot this is (no slipway.slot= and the root is not ROOT-A or ROOT-B)")
            return
        }
        // Booted without firmware (QEMU -kernel on SeaBIOS): no boot loader counts the tries.
        guard System.exists("/sys/firmware/efi") else {
            noFallback("not booted through UEFI (no /sys/firmware/efi), so no boot loader counts this boot's tries")
            return
        }
        let names: [String]
        do {
            try ESP.mount(try ESP.find(onDisk: context.rootDisk))
            defer { ESP.unmount() }
            names = try System.listDirectory(ESP.mountPoint + "/" + SlotLoaderEntry.directory)
        } catch {
            noFallback(message(error))
            return
        }
        switch SlotLoaderEntry.fallback(from: slot, entries: names) {
        case .none(let why):
            noFallback(why)
        case .reboot(let other, let entry):
            Console.log("fallback: slot \(other)'s entry \(entry) can boot, and slot \(slot)'s entry counts its tries")
            SlotRecords.recordFailure(context, reason: reason)
            Console.line(
                "slipway: slot \(slot) failed: \(reason); slot \(other) has a usable boot entry, "
                    + "rebooting so the boot loader can fall back")
            do {
                try Reboot.now()
            } catch {
                Console.error(message(error))
            }
        }
    }

    private static func noFallback(_ why: String) {
        Console.log("no fallback to the other slot: \(why)")
    }

    private static func message(_ error: any Error) -> String {
        (error as? InitrdError)?.message ?? "\(error)"
    }
}
