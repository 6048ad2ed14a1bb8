// The block-device part of a first-boot config, in Ignition's order: `storage.disks` (partitions),
// then `storage.filesystems` (kept or made, and mounted at their `path` in the root), so that the
// files of the config can be written into them; they are unmounted once the config is applied.
// Like Ignition, the running system mounts them only through a mount unit the config supplies.
//
// The disk the system boots from (the one holding the root slot or STATE) is never partitioned or
// formatted here: first-boot configs set up extra disks. RAID and LUKS are refused.
import FirstBoot
import Glibc

/// Filesystems mounted for the apply; `release` unmounts them.
struct StorageMounts {
    var targets: [String] = []

    func release() {
        guard !targets.isEmpty else { return }
        sync()
        for target in targets.reversed() {
            if umount(target) == 0 {
                Console.log("first boot: unmounted \(target)")
            } else {
                Console.log("warning: could not unmount \(target): \(System.reason())")
            }
        }
    }
}

enum StorageSetup {
    /// Partitions, formats and mounts what `config` describes. Throws the entry that cannot be applied.
    static func apply(_ config: Config, root: String) throws(FirstBootError) -> StorageMounts {
        let storage = config.storage
        // Validation refuses these already; this holds for any config that reaches the disks.
        if let (index, raid) = storage.raid.enumerated().first {
            throw FirstBootError("apply", "$.storage.raid.\(index) (\(raid.name))", StorageSupport.raidProblem)
        }
        if let (index, luks) = storage.luks.enumerated().first {
            throw FirstBootError("apply", "$.storage.luks.\(index) (\(luks.name))", StorageSupport.luksProblem)
        }
        guard !storage.disks.isEmpty || !storage.filesystems.isEmpty else { return StorageMounts() }
        var mounts = StorageMounts()
        var subject = "$.storage"
        do {
            for (index, filesystem) in storage.filesystems.enumerated() {
                try FilesystemSetup.checkFormat(filesystem, subject: "$.storage.filesystems.\(index).format")
            }
            let protected = try bootDisks(root: root)
            for (index, disk) in storage.disks.enumerated() {
                subject = "$.storage.disks.\(index) (\(disk.device))"
                let device = try DevicePaths.resolve(disk.device)
                try refuseBootDisk(device, protected, what: "partition")
                Console.log("first boot: " + (try DiskPartitioner.apply(disk, index: index, device: device)))
            }
            guard !storage.filesystems.isEmpty else { return mounts }
            var devices: [(Int, Filesystem, BlockDevice)] = []
            do {
                let binds = try APIBinds(root: root)
                defer { binds.release() }
                for (index, filesystem) in storage.filesystems.enumerated() {
                    subject = "$.storage.filesystems.\(index) (\(filesystem.device))"
                    let device = try DevicePaths.resolve(filesystem.device)
                    try refuseBootDisk(device, protected, what: "format")
                    let line = try FilesystemSetup.prepare(filesystem, device: device, root: root, subject: subject)
                    Console.log("first boot: " + line)
                    devices.append((index, filesystem, device))
                }
            }
            // Parents before children, as Ignition mounts them.
            let mounted = devices.filter { !($0.1.path ?? "").isEmpty && $0.1.format != "swap" }
            for (index, filesystem, device) in mounted.sorted(by: { depth($0.1.path) < depth($1.1.path) }) {
                subject = "$.storage.filesystems.\(index) (\(filesystem.device))"
                let path = filesystem.path ?? "/"
                mounts.targets.append(try FilesystemSetup.mount(filesystem, device: device, path: path, root: root))
                Console.log("first boot: mounted \(device.devicePath) on \(path) for the apply")
            }
            return mounts
        } catch let error as StorageError {
            mounts.release()
            throw FirstBootError("set up storage", error.subject, error.message)
        } catch let error as InitrdError {
            mounts.release()
            throw FirstBootError("set up storage", subject, error.message)
        } catch {
            mounts.release()
            throw FirstBootError("set up storage", subject, "\(error)")
        }
    }

    private static func depth(_ path: String?) -> Int { (path ?? "").split(separator: "/").count }

    private static func refuseBootDisk(_ device: BlockDevice, _ protected: [String: String], what: String) throws {
        let disk = device.disk ?? device.name
        guard let role = protected[disk] else { return }
        let place = device.isPartition ? "\(device.devicePath) is on /dev/\(disk)," : "\(device.devicePath) is"
        throw InitrdError(
            "\(place) the disk the system boots from (it holds \(role)); first-boot configs \(what) extra disks only")
    }

    /// The disks holding the root slot and STATE, from the mounts on `root` and its /state.
    ///
    /// Throws when it cannot tell: an unreadable mount table, a root slot missing from it or a
    /// mount whose device cannot be resolved would leave the boot disk unprotected, and a config
    /// could then repartition or format the disk the system runs from.
    static func bootDisks(root: String) throws -> [String: String] {
        func unknown(_ why: String) -> InitrdError {
            InitrdError("cannot tell which disk the system boots from (\(why)); refusing to partition or format")
        }
        let text: String
        do {
            text = try System.readText("/proc/self/mountinfo")
        } catch {
            throw unknown((error as? InitrdError)?.message ?? "\(error)")
        }
        var disks: [String: String] = [:]
        var rootFound = false
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count > 4 else { continue }
            let role: String
            switch Escapes.mountinfo(String(fields[4])) {
            case root:
                role = "the root slot"
                rootFound = true
            case RootSetup.stateMount: role = "STATE"
            default: continue
            }
            // A verified root is mounted from its dm-verity device: the disk is that of the partition
            // below it (the device's one slave).
            var sysfs = "/sys/dev/block/\(fields[2])"
            if let slaves = try? System.listDirectory(sysfs + "/slaves"), slaves.count == 1 {
                sysfs = "/sys/class/block/\(slaves[0])"
            }
            guard let real = realpath(sysfs, nil) else {
                throw unknown("the device \(fields[2]) of \(role) is not in /sys/dev/block: \(System.reason())")
            }
            let parts = String(cString: real).split(separator: "/").map(String.init)
            free(real)
            guard let name = parts.last else { throw unknown("the device \(fields[2]) of \(role) has no name") }
            let disk =
                System.exists("/sys/class/block/\(name)/partition") && parts.count >= 2 ? parts[parts.count - 2] : name
            disks[disk] = disks[disk].map { $0 + " and " + role } ?? role
        }
        guard rootFound else { throw unknown("\(root) is not in /proc/self/mountinfo") }
        return disks
    }
}
