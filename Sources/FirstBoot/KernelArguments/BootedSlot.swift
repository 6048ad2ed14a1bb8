// Which slot and version a boot starts. A slot's loader entry names both on the kernel command line
// (`slipway.slot=b slipway.version=2.0.0` in its options); an entry without slipway.slot= is told
// by its root partition's GPT name (ROOT-A, ROOT-B). Just before it switches root the initrd prints
// `consoleLine` and writes `fileText` to /run/slipway/booted, which slipway-update reads:
//
//   slot b
//   version 2.0.0
//
// Either is "unknown" when nothing says it.

/// The slot and version of the running boot.
public struct BootedSlot: Equatable, Sendable {
    public static let slotParameter = "slipway.slot"
    public static let versionParameter = "slipway.version"
    /// Where the initrd writes `fileText`, for the booted system.
    public static let path = "/run/slipway/booted"

    /// "a" or "b"; nil while unknown.
    public var slot: String?
    /// The OS version; nil while unknown.
    public var version: String?

    public init(slot: String? = nil, version: String? = nil) {
        self.slot = slot
        self.version = version
    }

    /// Reads `slipway.slot=` (a or b) and `slipway.version=` (any non-empty word; empty is as if
    /// absent) from `commandLine`, the last of each counting.
    public init(commandLine: String) throws(FirstBootError) {
        if let slot = KernelCommandLine.value(of: Self.slotParameter, in: commandLine) {
            guard SlotLoaderEntry.slots.contains(slot) else {
                throw FirstBootError(
                    "read the kernel command line", "\(Self.slotParameter)=\(slot)",
                    "expected \(SlotLoaderEntry.slots.joined(separator: " or ")), the slot the boot entry starts; "
                        + "fix the entry's options line")
            }
            self.slot = slot
        }
        if let version = KernelCommandLine.value(of: Self.versionParameter, in: commandLine), !version.isEmpty {
            self.version = version
        }
    }

    /// This boot with its slot taken from the root partition's name `partitionName` when the
    /// command line did not say it (nil for a name other than ROOT-A, ROOT-B).
    public func resolved(rootPartition partitionName: String?) -> BootedSlot {
        guard slot == nil, let name = partitionName, let slot = SlotLoaderEntry.slot(ofRootPartition: name),
            SlotLoaderEntry.slots.contains(slot)
        else { return self }
        return BootedSlot(slot: slot, version: version)
    }

    /// `slipway: booting slot b, version 2.0.0`
    public var consoleLine: String {
        "slipway: booting slot \(slot ?? "unknown"), version \(version ?? "unknown")"
    }

    /// The text of /run/slipway/booted: `slot b\nversion 2.0.0\n`.
    public var fileText: String {
        "slot \(slot ?? "unknown")\nversion \(version ?? "unknown")\n"
    }
}
