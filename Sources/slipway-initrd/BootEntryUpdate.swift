// Applying a first-boot config's kernel arguments to the boot entry of the slot that is booting, so
// the next boot runs with them. The kernel's command line came from that entry's `options` line on
// the ESP (systemd-boot), so the entry is where they must go:
//
//   1. compare with /proc/cmdline: nothing missing and nothing unwanted → nothing to do
//   2. the ESP: the partition named ESP on the root slot's disk, mounted vfat on /run/slipway-esp
//   3. loader/entries/slipway-<slot>[+LEFT[-DONE]].conf, the slot from the root partition's name
//   4. the entry rewritten beside itself and renamed over it (a crash leaves the old or the new one)
//
// The caller records the first boot as done and reboots. Boot counting keeps running: the reboot is
// one more try of the entry, which the loader renames as usual.
import CLinux
import FirstBoot
import Glibc

enum BootEntryUpdate {
    static let espMount = "/run/slipway-esp"
    static let source = "kernel arguments"

    /// What was written: the entry's path on the ESP and the change.
    struct Applied {
        var entryPath: String
        var edit: KernelArgumentsEdit
    }

    /// Writes `arguments` into the booted slot's entry when they change `commandLine`; nil when it
    /// already has them (nothing is mounted then).
    static func apply(_ arguments: KernelArguments, commandLine: String, root: BlockDevice)
        throws(FirstBootFailure) -> Applied?
    {
        let wanted = arguments.edit(commandLine)
        guard wanted.changed else { return nil }
        guard let slot = root.partitionName.flatMap(SlotLoaderEntry.slot(ofRootPartition:)) else {
            throw FirstBootFailure(
                source: source, entry: "root \(root.summary)",
                reason: "cannot tell the booted slot: the root partition is not named ROOT-A or ROOT-B, so its "
                    + "boot entry is unknown; boot from a slipway disk or leave kernelArguments out of the config")
        }
        let esp = try findESP(near: root)
        do {
            try mountESP(esp)
        } catch {
            throw FirstBootFailure(source: source, entry: "ESP \(esp.devicePath)", reason: message(error))
        }
        let applied: Applied
        do {
            applied = try rewriteEntry(slot: slot, arguments: arguments)
        } catch {
            unmount()
            throw error
        }
        sync()
        unmount()
        return applied
    }

    /// Mounts `esp` (vfat) on `espMount`.
    static func mountESP(_ esp: BlockDevice) throws {
        try System.makeDirectory(espMount)
        try System.mount(
            esp.devicePath, on: espMount, type: "vfat", flags: UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC),
            what: "mount the ESP (is it FAT, and are vfat and its nls modules in the initrd?)")
    }

    /// The partition named ESP on the root's disk.
    private static func findESP(near root: BlockDevice) throws(FirstBootFailure) -> BlockDevice {
        let devices = BlockDevices.scan()
        let candidates = devices.filter { $0.isPartition && $0.partitionName == "ESP" && $0.disk == root.disk }
        guard candidates.count == 1, let esp = candidates.first, System.exists(esp.devicePath) else {
            let disk = root.disk ?? "?"
            let partitions = devices.filter { $0.isPartition && $0.disk == root.disk }.map(\.summary)
            throw FirstBootFailure(
                source: source, entry: "PARTLABEL=ESP",
                reason: (candidates.isEmpty
                    ? "no partition named ESP on \(disk), the root's disk"
                    : "\(candidates.count) partitions named ESP on \(disk)")
                    + " (partitions: \(partitions.isEmpty ? "none" : partitions.joined(separator: ", "))); "
                    + "the kernel arguments need the boot entry on the ESP (boot the image through UEFI)")
        }
        return esp
    }

    private static func rewriteEntry(slot: String, arguments: KernelArguments) throws(FirstBootFailure) -> Applied {
        let directory = espMount + "/" + SlotLoaderEntry.directory
        let names: [String]
        do {
            names = try System.listDirectory(directory).filter { SlotLoaderEntry.isEntry($0, ofSlot: slot) }
        } catch {
            throw FirstBootFailure(source: source, entry: SlotLoaderEntry.directory, reason: message(error))
        }
        guard names.count == 1, let name = names.first else {
            throw FirstBootFailure(
                source: source, entry: SlotLoaderEntry.directory,
                reason: names.isEmpty
                    ? "no entry for slot \(slot.uppercased()) (slipway-\(slot)[+LEFT[-DONE]].conf) on the ESP"
                    : "\(names.count) entries for slot \(slot.uppercased()): \(names.joined(separator: ", ")); "
                        + "remove the stale one")
        }
        let entryPath = SlotLoaderEntry.directory + "/" + name
        let path = espMount + "/" + entryPath
        do {
            let text = try System.readText(path)
            let edit = arguments.edit(SlotLoaderEntry.options(of: text))
            guard edit.changed else {
                throw InitrdError(
                    "its options already have the requested kernel arguments, but the running kernel's command "
                        + "line does not: was this boot started from another entry?")
            }
            try System.writeFile(path + ".new", SlotLoaderEntry.replacingOptions(in: text, with: edit.commandLine))
            guard rename(path + ".new", path) == 0 else {
                throw InitrdError("rename \(name).new to \(name): \(System.reason())")
            }
            let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if fd >= 0 {
                fsync(fd)
                close(fd)
            }
            return Applied(entryPath: entryPath, edit: edit)
        } catch {
            throw FirstBootFailure(source: source, entry: entryPath, reason: message(error))
        }
    }

    private static func unmount() {
        if umount(espMount) != 0 {
            Console.log("first boot: could not unmount the ESP from \(espMount): \(System.reason())")
        }
    }

    private static func message(_ error: any Error) -> String {
        (error as? InitrdError)?.message ?? "\(error)"
    }
}
