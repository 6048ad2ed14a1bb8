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
import FirstBoot
import Glibc

enum BootEntryUpdate {
    static let source = "kernel arguments"
    /// On the command line of a slot that boots a unified kernel image.
    static let sealedMarker = "slipway.uki=1"

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
        if commandLine.split(whereSeparator: { $0 == " " || $0 == "\n" }).contains(Substring(sealedMarker)) {
            throw FirstBootFailure(
                source: source, entry: "kernel command line",
                reason: "the slot boots a unified kernel image (kernel.uki), whose command line is sealed in it; "
                    + "first boot cannot change it: put the arguments in the profile's kernel.cmdline and rebuild")
        }
        guard let slot = root.partitionName.flatMap(SlotLoaderEntry.slot(ofRootPartition:)) else {
            throw FirstBootFailure(
                source: source, entry: "root \(root.summary)",
                reason: "cannot tell the booted slot: the root partition is not named ROOT-A or ROOT-B, so its "
                    + "boot entry is unknown; boot from a slipway disk or leave kernelArguments out of the config")
        }
        let esp: BlockDevice
        do {
            esp = try ESP.find(onDisk: root.disk)
        } catch {
            throw FirstBootFailure(
                source: source, entry: "PARTLABEL=\(ESP.partitionName)",
                reason: message(error)
                    + "; the kernel arguments need the boot entry on the ESP (boot the image through UEFI)")
        }
        do {
            try ESP.mount(esp)
        } catch {
            throw FirstBootFailure(source: source, entry: "ESP \(esp.devicePath)", reason: message(error))
        }
        let applied: Applied
        do {
            applied = try rewriteEntry(slot: slot, arguments: arguments)
        } catch {
            ESP.unmount()
            throw error
        }
        sync()
        ESP.unmount()
        return applied
    }

    private static func rewriteEntry(slot: String, arguments: KernelArguments) throws(FirstBootFailure) -> Applied {
        let directory = ESP.mountPoint + "/" + SlotLoaderEntry.directory
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
        let path = ESP.mountPoint + "/" + entryPath
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
            System.syncDirectory(directory)
            return Applied(entryPath: entryPath, edit: edit)
        } catch {
            throw FirstBootFailure(source: source, entry: entryPath, reason: message(error))
        }
    }

    private static func message(_ error: any Error) -> String {
        (error as? InitrdError)?.message ?? "\(error)"
    }
}
