// One entry of `storage.filesystems`: a matching filesystem is kept (Ignition's rule when
// wipeFilesystem is false), a missing one is created with the image's own mkfs, and with `path`
// it is mounted at that path in the root for the files of the config to be written into it.
import CLinux
import FirstBoot
import Glibc

enum FilesystemSetup {
    /// How each supported format is made: the programs to look for, how to pass the label and
    /// UUID, and the Debian package that has them.
    struct Maker {
        var programs: [String]
        var fixed: [String]
        var package: String
        var label: (String) -> [String]
        var uuid: (String) -> [String]
    }

    /// The maker of `format`, or nil when first boot cannot make it.
    static func maker(_ format: String) -> Maker? {
        switch format {
        case "ext4":
            Maker(
                programs: ["mkfs.ext4", "mke2fs"], fixed: ["-F", "-t", "ext4"], package: "e2fsprogs",
                label: { ["-L", $0] }, uuid: { ["-U", $0] })
        case "vfat":
            Maker(
                programs: ["mkfs.vfat", "mkfs.fat", "mkdosfs"], fixed: [], package: "dosfstools",
                label: { ["-n", $0] }, uuid: { ["-i", $0.filter { $0 != "-" }] })
        case "swap":
            Maker(
                programs: ["mkswap"], fixed: ["-f"], package: "util-linux", label: { ["-L", $0] },
                uuid: { ["-U", $0] })
        default: nil
        }
    }

    /// Fails for a format first boot cannot make, before any disk is touched.
    static func checkFormat(_ filesystem: Filesystem, subject: String) throws {
        guard let problem = StorageSupport.formatProblem(filesystem.format) else { return }
        throw StorageError(subject: subject, message: problem)
    }

    /// Keeps or creates the filesystem of `filesystem` on `device`. Returns the log line.
    static func prepare(_ filesystem: Filesystem, device: BlockDevice, root: String, subject: String) throws -> String {
        guard let format = filesystem.format, !format.isEmpty, let maker = maker(format) else {
            return "\(device.devicePath): no format given, left as it is"
        }
        let label = filesystem.label.flatMap { $0.isEmpty ? nil : $0 }
        let uuid = filesystem.uuid.flatMap { $0.isEmpty ? nil : $0 }
        if filesystem.wipeFilesystem != true, let existing = try FilesystemProbe.identify(device.name) {
            guard existing.format == format, label == nil || label == existing.label,
                uuid == nil || uuid?.lowercased() == existing.uuid?.lowercased()
            else {
                throw StorageError(
                    subject: subject,
                    message: "\(device.devicePath) holds \(existing.summary), which is not the \(format) filesystem "
                        + "the config describes; set wipeFilesystem: true to replace it (its data is lost)")
            }
            return "\(device.devicePath): kept its \(existing.summary)"
        }
        guard let program = RootCommand.find(maker.programs, root: root) else {
            throw StorageError(
                subject: subject,
                message: "the image has no \(maker.programs.joined(separator: " or ")) to make a \(format) filesystem "
                    + "(looked in \(RootCommand.searchPath.joined(separator: ", "))); add the Debian package "
                    + "\(maker.package) to the profile's packages")
        }
        let arguments =
            [program] + maker.fixed + (label.map(maker.label) ?? []) + (uuid.map(maker.uuid) ?? [])
            + filesystem.options + [device.devicePath]
        let result = try RootCommand.run(arguments, root: root)
        guard result.status == 0 else {
            let tail = result.output.split(separator: "\n").suffix(4).joined(separator: " / ")
            throw StorageError(
                subject: subject,
                message: "\(arguments.joined(separator: " ")) failed with status \(result.status): \(tail)")
        }
        return "\(device.devicePath): made \(format)\(label.map { " \"\($0)\"" } ?? "") with \(program)"
    }

    /// Mounts `device` at `path` in the root, creating the mount point (inside the root, links
    /// followed there). Returns the host path mounted on.
    static func mount(_ filesystem: Filesystem, device: BlockDevice, path: String, root: String) throws -> String {
        let resolver = RootPathResolver(root: root)
        var prefix = ""
        for component in path.split(separator: "/") {
            let parent = resolver.nearestExisting(prefix.isEmpty ? "/" : prefix)
            prefix += "/" + component
            let host = resolver.nearestExisting(prefix)
            if host == parent { try System.makeDirectory(parent + "/" + component) }
        }
        let target = resolver.nearestExisting(path)
        let (flags, data) = mountOptions(filesystem.mountOptions)
        try System.mount(
            device.devicePath, on: target, type: filesystem.format ?? "", flags: flags, options: data,
            what: "mount the \(filesystem.format ?? "") filesystem of \(device.devicePath) on \(path)")
        return target
    }

    /// mount(8)'s generic options become flags; the rest are passed to the filesystem.
    static func mountOptions(_ options: [String]) -> (flags: UInt, data: String?) {
        let known: [String: Int] = [
            "ro": Int(MS_RDONLY), "nosuid": Int(MS_NOSUID), "nodev": Int(MS_NODEV), "noexec": Int(MS_NOEXEC),
            "sync": Int(MS_SYNCHRONOUS), "dirsync": Int(MS_DIRSYNC), "noatime": Int(MS_NOATIME),
            "nodiratime": Int(MS_NODIRATIME), "relatime": Int(MS_RELATIME), "strictatime": Int(MS_STRICTATIME),
            "lazytime": Int(MS_LAZYTIME), "rw": 0, "defaults": 0, "suid": 0, "dev": 0, "exec": 0, "async": 0,
            "atime": 0,
        ]
        var flags: UInt = 0
        var rest: [String] = []
        for option in options {
            if let flag = known[option] { flags |= UInt(flag) } else { rest.append(option) }
        }
        return (flags, rest.isEmpty ? nil : rest.joined(separator: ","))
    }
}
