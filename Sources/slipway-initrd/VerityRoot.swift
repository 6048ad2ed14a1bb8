// The verified root (the profile's root.verity): a dm-verity device over the root slot, made with the
// device-mapper ioctls on /dev/mapper/control, and mounted instead of the partition. The slot holds
// the filesystem's N data blocks and then the hash tree, without a verity superblock, so the table
// comes from the command line alone:
//
//   slipway.verity=ROOTHASH  slipway.verity.salt=SALT  slipway.verity.data-blocks=N
//   → 0 N×8 verity 1 /dev/vda2 /dev/vda2 4096 4096 N N sha256 ROOTHASH SALT 1 panic_on_corruption
//
// panic_on_corruption, as Flatcar sets it for its /usr: a block that does not match the tree, read
// at any time, panics the kernel, and panic=-1 on every entry resets the machine at once. The boot
// loader counts that try, so a slot being tried falls back to the other slot after its last try no
// matter which program read the bad block or what it made of an I/O error.
import CLinux
import Glibc

/// The verity parameters of the kernel command line.
struct VerityParameters {
    var rootHash: String
    var salt: String
    var dataBlocks: UInt64

    /// From the slipway.verity* values; nil when slipway.verity= is absent.
    init?(_ values: [String: String]) throws {
        guard let rootHash = values["slipway.verity"] else { return nil }
        guard rootHash.count == 64, Self.isHex(rootHash) else {
            throw InitrdError("slipway.verity=\(rootHash): expected the root hash, 64 hexadecimal digits")
        }
        guard let salt = values["slipway.verity.salt"], salt.count % 2 == 0, salt.count <= 512, Self.isHex(salt)
        else {
            throw InitrdError(
                "slipway.verity.salt=\(values["slipway.verity.salt"] ?? ""): expected the salt in hexadecimal digits "
                    + "(an even number, at most 512); slipway.verity= needs it")
        }
        guard let text = values["slipway.verity.data-blocks"], let blocks = UInt64(text), blocks > 0,
            blocks < UInt64(1) << 48
        else {
            throw InitrdError(
                "slipway.verity.data-blocks=\(values["slipway.verity.data-blocks"] ?? ""): expected the number of "
                    + "4096-byte blocks of the root filesystem; slipway.verity= needs it")
        }
        self.rootHash = rootHash.lowercased()
        self.salt = salt.lowercased()
        dataBlocks = blocks
    }

    private static func isHex(_ text: String) -> Bool {
        text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0 | 0x20) }
    }
}

enum VerityRoot {
    static let name = "slipway-root"
    static let control = "/dev/mapper/control"

    /// Creates the verity device over `partition` and returns its device path (/dev/dm-N).
    static func open(_ partition: BlockDevice, _ parameters: VerityParameters) throws -> String {
        let device = partition.devicePath
        let table =
            "1 \(device) \(device) 4096 4096 \(parameters.dataBlocks) \(parameters.dataBlocks) sha256 "
            + "\(parameters.rootHash) \(parameters.salt) 1 panic_on_corruption"
        let fd = Glibc.open(control, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else {
            throw InitrdError(
                "verity root: open \(control): \(System.reason()) (is dm_mod among the initrd's modules?)")
        }
        defer { close(fd) }
        guard slipway_dm_create(fd, name) == 0 else {
            throw InitrdError("verity root: create device \(name): \(System.reason())")
        }
        guard slipway_dm_load(fd, name, parameters.dataBlocks * 8, "verity", table) == 0 else {
            let reason = System.reason()
            slipway_dm_remove(fd, name)
            throw InitrdError(
                "verity root: load the verity table over \(device) (\(parameters.dataBlocks) data blocks): \(reason); "
                    + "the kernel's log says why (dm_verity loaded? the partition large enough for data and tree?)")
        }
        var major: UInt32 = 0
        var minor: UInt32 = 0
        guard slipway_dm_resume(fd, name, &major, &minor) == 0 else {
            let reason = System.reason()
            slipway_dm_remove(fd, name)
            throw InitrdError("verity root: resume device \(name): \(reason)")
        }
        return try node(major: major, minor: minor)
    }

    /// /dev/dm-MINOR, which devtmpfs makes as the device appears; made here if it is late.
    private static func node(major: UInt32, minor: UInt32) throws -> String {
        let path = "/dev/dm-\(minor)"
        let deadline = Console.uptime() + 2
        while !System.exists(path) && Console.uptime() < deadline { System.sleep(seconds: 0.02) }
        if !System.exists(path) && mknod(path, S_IFBLK | 0o600, slipway_makedev(major, minor)) != 0 {
            throw InitrdError("verity root: make the device node \(path) (\(major):\(minor)): \(System.reason())")
        }
        return path
    }
}
