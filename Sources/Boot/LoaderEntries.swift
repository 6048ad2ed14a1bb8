// systemd-boot configuration for the A/B slots, following the Boot Loader Specification (type #1
// entries) and systemd-boot's automatic boot assessment:
//
//   loader/loader.conf                 default slipway-*, timeout 0, editor no
//   loader/entries/slipway-a+3.conf    "+3": tries left; the loader renames it a+2-1.conf on each try,
//                                      and an entry at +0 is skipped in favour of the next one
//   slipway-a/vmlinuz, slipway-a/initrd.img
//
// Paths in entries are absolute on the ESP with "/" separators. The kernel command line carries the
// slipway.* parameters that slipway-initrd reads.

import BootSlots

/// One of the two root slots of a slipway disk.
public enum BootSlot: String, Sendable, CaseIterable {
    case a
    case b

    /// The GPT partition name of the slot's root filesystem: `ROOT-A`, `ROOT-B`.
    public var partitionLabel: String { "ROOT-" + rawValue.uppercased() }
    /// The loader entry id: `slipway-a`.
    public var entryID: String { "slipway-" + rawValue }
    /// The ESP directory holding the slot's kernel and initrd: `slipway-a`.
    public var directory: String { entryID }
    /// ESP path of the kernel: `slipway-a/vmlinuz`.
    public var kernelPath: String { directory + "/vmlinuz" }
    /// ESP path of the initramfs: `slipway-a/initrd.img`.
    public var initrdPath: String { directory + "/initrd.img" }
    /// ESP path of the unified kernel image, when the slot boots one: `slipway-a/linux.efi`.
    public var unifiedImagePath: String { directory + "/linux.efi" }
}

/// How slipway-initrd finds a partition: by GPT partition name or by GPT unique partition GUID.
public enum PartitionReference: Sendable, Hashable, CustomStringConvertible {
    case label(String)
    case uuid(String)

    /// `PARTLABEL=ROOT-A` or `PARTUUID=...`, the form the kernel command line takes.
    public var description: String {
        switch self {
        case .label(let name): "PARTLABEL=\(name)"
        case .uuid(let uuid): "PARTUUID=\(uuid.lowercased())"
        }
    }
}

/// The kernel command line of a slot.
public struct KernelCommandLine: Sendable, Hashable {
    /// The root slot's partition (`slipway.root=`).
    public var root: PartitionReference
    /// The writable STATE partition (`slipway.state=`).
    public var state: PartitionReference
    /// The system's init, run after switching root (`slipway.init=`).
    public var initPath: String
    /// Seconds to wait for the root and STATE partitions to appear (`slipway.timeout=`).
    public var timeoutSeconds: Int
    /// Everything else, in order: console, panic, apparmor...
    public var extra: [String]

    /// The parameters every slipway image boots with: serial console, reboot on panic instead of
    /// hanging (the loader then counts the failed try), AppArmor off (no parser in the image), and
    /// `SWIFT_DETERMINISTIC_HASHING=1`, which the kernel hands to /init as an environment variable:
    /// without it the Swift runtime's start-up blocks in getrandom() until the kernel's entropy pool
    /// is ready, which cost 1.3–1.6 s of every boot under QEMU TCG. slipway-initrd removes it from
    /// the environment before it starts the system's init.
    public static let defaultExtra = ["console=ttyS0", "panic=-1", "apparmor=0", "SWIFT_DETERMINISTIC_HASHING=1"]

    public init(
        root: PartitionReference, state: PartitionReference = .label("STATE"), initPath: String = "/sbin/init",
        timeoutSeconds: Int = 30, extra: [String] = KernelCommandLine.defaultExtra
    ) {
        self.root = root
        self.state = state
        self.initPath = initPath
        self.timeoutSeconds = timeoutSeconds
        self.extra = extra
    }

    /// The command line of `slot` booting by partition name.
    public static func forSlot(_ slot: BootSlot, extra: [String] = KernelCommandLine.defaultExtra) -> KernelCommandLine
    {
        KernelCommandLine(root: .label(slot.partitionLabel), extra: extra)
    }

    /// The text passed to the kernel.
    public var text: String {
        ([
            "slipway.root=\(root)", "slipway.state=\(state)", "slipway.init=\(initPath)",
            "slipway.timeout=\(timeoutSeconds)",
        ] + extra).joined(separator: " ")
    }
}

/// A file for the ESP: its path relative to the ESP root and its contents.
public struct ESPFile: Sendable, Hashable {
    public var path: String
    public var contents: [UInt8]

    public init(path: String, contents: [UInt8]) {
        self.path = path
        self.contents = contents
    }
}

/// The text of systemd-boot's configuration files.
public enum LoaderEntries {
    /// How many failed boots a freshly installed slot gets before the loader falls back.
    public static let defaultTries = 3

    /// `loader/loader.conf`: boot the best slipway entry at once, with no editable command line.
    public static func loaderConf() -> String {
        "default slipway-*\ntimeout 0\neditor no\nauto-entries no\nauto-firmware no\n"
    }

    /// The path of a slot's entry with boot counting: `loader/entries/slipway-a+3.conf`.
    public static func entryPath(slot: BootSlot, triesLeft: Int = defaultTries) -> String {
        "loader/entries/\(slot.entryID)+\(triesLeft).conf"
    }

    /// A slot's entry. `title` is shown in the menu; `version` orders entries (the highest first):
    /// the install generation, 1 for the slot the image is built with, one more for each update.
    public static func entry(slot: BootSlot, title: String, version: String, commandLine: KernelCommandLine) -> String {
        LoaderEntry.render(
            title: "\(title) (slot \(slot.rawValue.uppercased()))", version: version, linux: "/" + slot.kernelPath,
            initrd: "/" + slot.initrdPath, options: commandLine.text)
    }

    /// The files of a slot that boots the unified kernel image `image`, whose command line is
    /// `commandLine`: the image and its boot-counting entry.
    public static func unifiedSlotFiles(
        slot: BootSlot, title: String, version: String, image: [UInt8], commandLine: KernelCommandLine,
        triesLeft: Int = defaultTries
    ) -> [ESPFile] {
        let entry = LoaderEntry.render(
            title: "\(title) (slot \(slot.rawValue.uppercased()))", version: version, efi: "/" + slot.unifiedImagePath,
            options: commandLine.text)
        return [
            ESPFile(path: slot.unifiedImagePath, contents: image),
            ESPFile(path: entryPath(slot: slot, triesLeft: triesLeft), contents: Array(entry.utf8)),
        ]
    }

    /// Every ESP file of one populated slot: kernel, initramfs and its boot-counting entry.
    public static func slotFiles(
        slot: BootSlot, title: String, version: String, kernel: [UInt8], initrd: [UInt8],
        commandLine: KernelCommandLine, triesLeft: Int = defaultTries
    ) -> [ESPFile] {
        [
            ESPFile(path: slot.kernelPath, contents: kernel),
            ESPFile(path: slot.initrdPath, contents: initrd),
            ESPFile(
                path: entryPath(slot: slot, triesLeft: triesLeft),
                contents: Array(entry(slot: slot, title: title, version: version, commandLine: commandLine).utf8)),
        ]
    }
}
