// The EFI System Partition, built as a FAT image file without mounting anything: mkfs.fat formats
// the file, mmd and mcopy (mtools) place the directories and files.
//
// FAT type: the UEFI specification asks for FAT32 on fixed disks, and FAT32 needs at least 65525
// clusters — with mkfs.fat's 512-byte clusters at these sizes, 33 MiB. Smaller ESPs (16 MiB up to
// 33 MiB, handy for tests) are FAT16, which OVMF and every UEFI firmware also read. Below 16 MiB
// mkfs.fat's FAT16 clusters no longer fit, so 16 MiB is the minimum.
//
// Determinism: mkfs.fat runs with --invariant (fixed boot-sector fields and label timestamp) and an
// explicit volume ID; mtools stamps every entry with SOURCE_DATE_EPOCH (in UTC, since FAT stores
// local time); directories and files are created in sorted order, one mcopy per directory, so the
// directory entries never follow the host's readdir order; host file modes and times are not copied.
import Foundation
import TemporaryFiles

/// Builds FAT ESP images.
public enum ESPBuilder {
    /// FAT variants the builder writes.
    public enum FATType: Int, Sendable {
        case fat16 = 16
        case fat32 = 32
    }

    /// The smallest ESP: mkfs.fat's FAT16 does not fit below it.
    public static let minimumSize: UInt64 = 16 << 20
    /// From this size on the ESP is FAT32.
    public static let fat32MinimumSize: UInt64 = 33 << 20
    /// 1980-01-01, the first time FAT can store; earlier SOURCE_DATE_EPOCH values are clamped to it.
    public static let earliestFATTime: Int64 = 315_532_800
    /// 2107-12-31 23:59:58, the last time FAT can store.
    public static let latestFATTime: Int64 = 4_354_819_198

    /// The FAT type an ESP of `size` bytes is formatted with.
    public static func fatType(forSize size: UInt64) -> FATType { size >= fat32MinimumSize ? .fat32 : .fat16 }

    /// A volume ID (the FAT "UUID" shown as XXXX-XXXX) derived from `seed`, like the GPT GUIDs.
    public static func volumeID(seed: String) -> UInt32 {
        let bytes = GUID.derived(seed: seed, purpose: "esp-volume-id").bytes
        return bytes.prefix(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// A generous estimate of the bytes `files` take in a FAT filesystem (4 KiB clusters, directories,
    /// both FATs and the reserved sectors), for `DiskLayout`'s check before anything is written.
    /// Throws `DiskError.invalidESPPath` for a bad path or `.io` for an unreadable host file.
    public static func contentSize(of files: [ESPFile]) throws -> UInt64 {
        let plan = try ESPPlan(files)
        let cluster: UInt64 = 4096
        var data = UInt64(plan.directories.count + 1) * cluster
        for file in plan.files {
            let size = try sourceSize(file.source, for: file.components.joined(separator: "/"))
            data += (size + cluster - 1) / cluster * cluster
        }
        return data + data / 50 + (64 << 10)  // two FATs at 512-byte clusters are ~1.6%; reserved sectors
    }

    /// Formats a FAT image of `size` bytes at `path` (written beside it and renamed into place) and
    /// copies `files` into it. `label` is the volume label (up to 11 of A-Z 0-9 _ -); every entry gets
    /// the time `sourceDateEpoch` (clamped to what FAT can store). `hiddenSectors` is the partition's
    /// first LBA on the disk, which FAT records in its boot sector (0 for a standalone volume).
    /// Throws `DiskError`: `.invalidESPPath`, `.invalidSize`, `.contentTooLarge` when the files do not
    /// fit, `.toolMissing` / `.toolFailed` for dosfstools and mtools, `.io`.
    public static func build(
        files: [ESPFile], size: UInt64, volumeID: UInt32, label: String = "ESP", sourceDateEpoch: Int64,
        hiddenSectors: UInt64 = 0, to path: String
    ) throws {
        guard size >= minimumSize, size % GPT.sectorSize == 0, size <= DiskLayout.maximumSize else {
            throw DiskError.invalidSize(
                key: "ESP", value: size,
                rule: "must be a whole number of 512-byte sectors, at least \(ByteSize.text(minimumSize))")
        }
        guard !label.isEmpty, label.count <= 11,
            label.unicodeScalars.allSatisfy({
                ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "_-".unicodeScalars.contains($0)
            })
        else {
            throw DiskError.invalidLabel(label: label, rule: "use 1 to 11 of A-Z, 0-9, _ and -")
        }
        let plan = try ESPPlan(files)
        for file in plan.files { _ = try sourceSize(file.source, for: file.components.joined(separator: "/")) }
        let epoch = min(max(sourceDateEpoch, earliestFATTime), latestFATTime)
        let environment = ["SOURCE_DATE_EPOCH": String(epoch)]

        try AtomicFile.write(to: path) { temporary in
            let image = try ImageFile.create(temporary)
            try image.truncate(to: size)
            try ExternalTool.mkfsFAT.check([
                "--invariant", "-F", String(fatType(forSize: size).rawValue), "-n", label,
                "-i", String(volumeID, radix: 16), "-h", String(min(hiddenSectors, UInt64(UInt32.max))), temporary,
            ])
            if !plan.directories.isEmpty {
                try ExternalTool.mmd.check(
                    ["-i", temporary, "-D", "o"] + plan.directories.map { "::/" + $0.joined(separator: "/") },
                    environment: environment)
            }
            try copyFiles(plan, into: temporary, size: size, files: files, environment: environment)
            try image.sync()
        }
    }

    /// One mcopy per target directory, its files in sorted order, from a staging directory whose
    /// names are the ESP names (symlinks to host files, generated bytes written out).
    private static func copyFiles(
        _ plan: ESPPlan, into image: String, size: UInt64, files: [ESPFile], environment: [String: String]
    ) throws {
        let staging = NSTemporaryDirectory() + "/slipway-esp-\(UUID().uuidString)"
        // Registered so that an interrupted build removes it.
        TemporaryRegistry.shared.register(staging)
        defer {
            try? FileManager.default.removeItem(atPath: staging)
            TemporaryRegistry.shared.unregister(staging)
        }
        var byDirectory: [[String]: [(name: String, source: ESPFile.Source)]] = [:]
        for file in plan.files {
            byDirectory[Array(file.components.dropLast()), default: []].append(
                (file.components.last ?? "", file.source))
        }

        for (index, directory) in byDirectory.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }).enumerated() {
            let stage = staging + "/\(index)"
            guard mkdir(staging, 0o700) == 0 || errno == EEXIST, mkdir(stage, 0o700) == 0 else {
                throw DiskError.io(operation: "create a staging directory", path: stage, errno: errno)
            }
            var sources: [String] = []
            for entry in byDirectory[directory] ?? [] {
                let staged = stage + "/" + entry.name
                switch entry.source {
                case .file(let hostPath):
                    let absolute = URL(fileURLWithPath: hostPath).standardizedFileURL.path
                    guard symlink(absolute, staged) == 0 else {
                        throw DiskError.io(operation: "stage \(hostPath)", path: staged, errno: errno)
                    }
                case .bytes(let bytes):
                    guard FileManager.default.createFile(atPath: staged, contents: Data(bytes)) else {
                        throw DiskError.io(operation: "stage generated contents", path: staged, errno: errno)
                    }
                case .directory:
                    continue
                }
                sources.append(staged)
            }
            let target = "::/" + directory.map { $0 + "/" }.joined()
            let arguments = ["-i", image, "-D", "o", "-Q"] + sources + [target]
            let output = try ExternalTool.mcopy.run(arguments, environment: environment)
            if output.status != 0 {
                if (output.stderr + String(decoding: output.stdout, as: UTF8.self)).contains("Disk full") {
                    // The estimate can undershoot the real need; never report a need that seems to fit.
                    let needed = max(try contentSize(of: files), size + ByteSize.mebibyte)
                    throw DiskError.contentTooLarge(partition: "ESP", content: needed, partitionSize: size)
                }
                throw ExternalTool.mcopy.failure(arguments, output)
            }
        }
    }

    /// The size of a file's contents, checking that a host file is a readable regular file.
    static func sourceSize(_ source: ESPFile.Source, for path: String) throws -> UInt64 {
        switch source {
        case .bytes(let bytes): return UInt64(bytes.count)
        case .directory: return 0
        case .file(let hostPath):
            var info = stat()
            guard stat(hostPath, &info) == 0 else {
                throw DiskError.io(operation: "read the source of ESP file \(path)", path: hostPath, errno: errno)
            }
            guard info.st_mode & S_IFMT == S_IFREG else {
                throw DiskError.invalidESPPath(path: path, rule: "its source \(hostPath) is not a regular file")
            }
            guard access(hostPath, R_OK) == 0 else {
                throw DiskError.io(operation: "read the source of ESP file \(path)", path: hostPath, errno: errno)
            }
            return UInt64(info.st_size)
        }
    }
}
