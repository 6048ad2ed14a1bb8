// Slot A's kernel command line, assembled here and nowhere else:
//
//   slipway.root=PARTUUID=… slipway.state=PARTLABEL=STATE slipway.init=… slipway.timeout=30
//   PlatformArguments.extra (slot, version, console, kernel.cmdline, platform, hash seed)
//   slipway.verity=ROOTHASH slipway.verity.salt=SALT slipway.verity.data-blocks=N   (root.verity)
//   slipway.uki=1                                                   (a unified kernel image)
//
// The verity arguments exist only once the root image and its hash tree are written, so the final
// line comes out of `DiskStage.build` (`DiskOutputs.commandLine`); the ESP's size is checked
// earlier with `placeholderTree`, whose arguments are as long as any real ones. The update payload
// carries the same line (apply replaces the root, slot and version for the slot it installs).
import Boot
import Disk
import Profile
import Verity

enum BootCommandLine {
    /// Slot A's command line; `rootTree` is the root image's hash tree when `root.verity` is on;
    /// `unified` when the slot boots a unified kernel image, whose line is sealed in it.
    static func slotA(profile: Profile, rootTree: VerityTree?, unified: Bool = false) -> KernelCommandLine {
        KernelCommandLine(
            root: .uuid(DiskLayout.partitionGUID(.rootA, seed: profile.digest).description), state: .label("STATE"),
            initPath: profile.initPath.value,
            extra: PlatformArguments.extra(profile: profile) + (rootTree.map(verityArguments) ?? [])
                + (unified ? [UnifiedSlot.marker] : []))
    }

    /// What the initrd needs to set up the verity device: with no superblock on the disk, the
    /// root hash, the salt and the number of data blocks (the tree starts right after them).
    static func verityArguments(_ tree: VerityTree) -> [String] {
        [
            "slipway.verity=\(tree.rootHashHex)", "slipway.verity.salt=\(tree.saltHex)",
            "slipway.verity.data-blocks=\(tree.dataBlocks)",
        ]
    }

    /// Stands in for the root's tree before it is written: its arguments are at least as long as a
    /// real tree's, so a loader entry sized with it is never smaller than the final one.
    static let placeholderTree = VerityTree(
        rootHash: [UInt8](repeating: 0, count: Verity.digestSize),
        salt: [UInt8](repeating: 0, count: Verity.digestSize),
        dataBlocks: UInt64.max, treeSize: 0)
}
