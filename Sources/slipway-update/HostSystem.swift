// The running system as slipway-update finds it: which slot booted (the initrd wrote
// /run/slipway/booted), the disk it booted from and its ESP (by GPT partition name, through sysfs,
// since a minimal root has no udev), and a mount of that ESP: the existing one (docker-host mounts it
// on /efi), or a private one on /run/slipway/esp for as long as the command runs.
import CLinux
import Glibc
import Update

struct HostSystem {
    static let bootedFile = "/run/slipway/booted"
    static let privateESPMount = "/run/slipway/esp"

    var bootedSlot: String
    var bootedVersion: String
    /// /dev/vda: the disk holding the booted slot.
    var diskPath: String
    /// /dev/vda1: its ESP.
    var espDevice: String

    static func detect() throws(UpdateError) -> HostSystem {
        let booted = try readText(bootedFile)
        var values: [String: String] = [:]
        for line in booted.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2 { values[String(parts[0])] = String(parts[1]) }
        }
        guard let slot = values["slot"], DiskSlots.slots.contains(slot) else {
            throw UpdateError(
                bootedFile, "does not name the booted slot (a or b): was this system booted by slipway's initrd?")
        }
        let partitions = Self.partitions()
        guard let root = partitions.first(where: { $0.name == "ROOT-" + slot.uppercased() }) else {
            throw UpdateError("/sys/class/block", "no partition named ROOT-\(slot.uppercased())")
        }
        guard let esp = partitions.first(where: { $0.name == "ESP" && $0.disk == root.disk }) else {
            throw UpdateError("/sys/class/block", "no partition named ESP on /dev/\(root.disk)")
        }
        return HostSystem(
            bootedSlot: slot, bootedVersion: values["version"] ?? "unknown", diskPath: "/dev/" + root.disk,
            espDevice: "/dev/" + esp.device)
    }

    /// Runs `body` with the ESP mounted; unmounts it afterwards if it mounted it.
    func withESP<T>(_ body: (MountedESP) throws(UpdateError) -> T) throws(UpdateError) -> T {
        if let existing = try Self.mountPoint(of: espDevice) { return try body(MountedESP(root: existing)) }
        mkdir("/run/slipway", 0o755)
        mkdir(Self.privateESPMount, 0o700)
        guard mount(espDevice, Self.privateESPMount, "vfat", UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC), "umask=0077") == 0
        else {
            throw UpdateError(
                espDevice, "cannot mount the ESP on \(Self.privateESPMount): \(String(cString: strerror(errno)))")
        }
        defer { umount(Self.privateESPMount) }
        return try body(MountedESP(root: Self.privateESPMount))
    }

    /// Runs `body` with the ESP mounted and the disk's slots read from it.
    func withSlots<T>(_ body: (MountedESP, DiskSlots) throws(UpdateError) -> T) throws(UpdateError) -> T {
        try withESP { esp throws(UpdateError) in
            try body(esp, try DiskSlots.read(disk: try PosixFile(path: diskPath), esp: esp))
        }
    }

    /// The release and trusted keys of the running root.
    func release() throws(UpdateError) -> (ReleaseInfo, [UpdatePublicKey]) {
        let release = try ReleaseInfo(
            parsing: try Self.readText("/" + ReleaseInfo.releasePath), source: "/" + ReleaseInfo.releasePath)
        let keys = try UpdatePublicKey.parseAll(
            pem: try Self.readText("/" + ReleaseInfo.trustedKeysPath), source: "/" + ReleaseInfo.trustedKeysPath)
        return (release, keys)
    }

    struct Partition {
        var device: String
        var disk: String
        var name: String
    }

    /// Every partition with a GPT name, from /sys/class/block/*/uevent.
    static func partitions() -> [Partition] {
        guard let directory = opendir("/sys/class/block") else { return [] }
        defer { closedir(directory) }
        var result: [Partition] = []
        while let entry = readdir(directory) {
            let device = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard !device.hasPrefix("."), let uevent = try? readText("/sys/class/block/\(device)/uevent") else {
                continue
            }
            let fields = uevent.split(separator: "\n")
            guard fields.contains("DEVTYPE=partition"),
                let name = fields.first(where: { $0.hasPrefix("PARTNAME=") })?.dropFirst(9),
                let real = realpath("/sys/class/block/\(device)", nil)
            else { continue }
            let path = String(cString: real)
            free(real)
            let components = path.split(separator: "/")
            guard components.count >= 2 else { continue }
            result.append(Partition(device: device, disk: String(components[components.count - 2]), name: String(name)))
        }
        return result
    }

    /// Where `device` is mounted, from /proc/mounts; an unreadable table is an error rather than
    /// "not mounted", which would mount the ESP a second time under a live one.
    static func mountPoint(of device: String) throws(UpdateError) -> String? {
        let mounts = try readText("/proc/mounts")
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count > 1, fields[0] == device { return String(fields[1]) }
        }
        return nil
    }

    static func readText(_ path: String) throws(UpdateError) -> String {
        let file = try PosixFile(path: path)
        return String(decoding: try file.read(at: 0, count: 1 << 20), as: UTF8.self)
    }
}
