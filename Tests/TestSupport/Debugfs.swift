// Reading an ext4 image back with debugfs (e2fsprogs), the independent reader the image tests
// compare against: inodes, contents, xattrs and the whole directory tree, each for many paths in
// one debugfs process.
import Foundation

/// What `debugfs -R "stat PATH"` says about one inode.
public struct DebugfsInode: Sendable {
    public var number: Int
    /// debugfs's type word: "regular", "directory", "symlink", "character special", "block special",
    /// "FIFO", "socket".
    public var type: String
    public var mode: Int
    public var flags: Int
    public var uid: Int
    public var gid: Int
    public var size: Int64
    public var links: Int
    /// In 512-byte units.
    public var blockCount: Int64
    public var mtime: Int64
    public var ctime: Int64
    public var atime: Int64
    public var crtime: Int64
    public var fastLinkTarget: String?
    public var device: (major: Int, minor: Int)?
    public var extents: String?
}

/// Runs debugfs (read-only) against an image: one process for a whole batch of commands.
public struct Debugfs: Sendable {
    public let image: String

    public init(image: String) { self.image = image }

    /// Output of each command, in order. debugfs echoes every command of a `-f` file as
    /// "debugfs: COMMAND", which is where one output ends and the next begins.
    public func run(_ commands: [String]) throws -> [String] {
        let scratch = try TemporaryDirectory("debugfs")
        let script = scratch.file("commands")
        try commands.joined(separator: "\n").appending("\n").write(toFile: script, atomically: true, encoding: .utf8)
        let result = try runTool(["debugfs", "-f", script, image])
        var outputs: [String] = []
        var current: [Substring] = []
        var started = false
        for line in result.stdout.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("debugfs: ") {
                if started { outputs.append(current.joined(separator: "\n")) }
                started = true
                current = []
            } else {
                current.append(line)
            }
        }
        if started { outputs.append(current.joined(separator: "\n")) }
        return outputs
    }

    /// stat for each path; nil where debugfs found nothing.
    public func stat(_ paths: [String]) throws -> [String: DebugfsInode] {
        let outputs = try run(paths.map { "stat \"\($0)\"" })
        var result: [String: DebugfsInode] = [:]
        for (path, output) in zip(paths, outputs) {
            if let inode = Self.parseStat(output) { result[path] = inode }
        }
        return result
    }

    /// The bytes of each path (file content, or a slow symlink's target), dumped to files in `scratch`.
    public func contents(_ paths: [String], scratch: TemporaryDirectory) throws -> [String: [UInt8]] {
        let files = paths.indices.map { scratch.file("dump-\($0)") }
        _ = try run(zip(paths, files).map { "dump \"\($0)\" \($1)" })
        var result: [String: [UInt8]] = [:]
        for (path, file) in zip(paths, files) {
            if let data = FileManager.default.contents(atPath: file) { result[path] = Array(data) }
        }
        return result
    }

    /// The SHA-256 (lower-case hex, from sha256sum) of each path's bytes as `dump` writes them.
    public func sha256(_ paths: [String], scratch: TemporaryDirectory) throws -> [String: String] {
        let files = paths.indices.map { scratch.file("digest-\($0)") }
        _ = try run(zip(paths, files).map { "dump \"\($0)\" \($1)" })
        let dumped = zip(paths, files).filter { FileManager.default.fileExists(atPath: $0.1) }
        guard !dumped.isEmpty else { return [:] }
        let sums = try runTool(["sha256sum"] + dumped.map(\.1))
        let byFile = Dictionary(
            sums.stdout.split(separator: "\n").compactMap { line -> (String, String)? in
                let fields = line.split(separator: " ", maxSplits: 1)
                guard fields.count == 2 else { return nil }
                return (String(fields[1].drop { $0 == " " || $0 == "*" }), String(fields[0]))
            }, uniquingKeysWith: { first, _ in first })
        var result: [String: String] = [:]
        for (path, file) in dumped { result[path] = byFile[file] }
        return result
    }

    /// Every xattr of each path, name to exact value: names from ea_list, values from ea_get -f.
    public func xattrs(_ paths: [String], scratch: TemporaryDirectory) throws -> [String: [String: [UInt8]]] {
        let lists = try run(paths.map { "ea_list \"\($0)\"" })
        var result: [String: [String: [UInt8]]] = [:]
        var gets: [String] = []
        var targets: [(path: String, name: String, file: String)] = []
        for (path, list) in zip(paths, lists) {
            result[path] = [:]
            for line in list.split(separator: "\n") where line.hasPrefix("  ") {
                guard let open = line.range(of: " (") else { continue }
                let name = String(line[line.index(line.startIndex, offsetBy: 2)..<open.lowerBound])
                let file = scratch.file("ea-\(targets.count)")
                targets.append((path, name, file))
                gets.append("ea_get -f \(file) \"\(path)\" \(name)")
            }
        }
        if !gets.isEmpty { _ = try run(gets) }
        for target in targets {
            let data = FileManager.default.contents(atPath: target.file) ?? Data()
            result[target.path, default: [:]][target.name] = Array(data)
        }
        return result
    }

    public static func parseStat(_ output: String) -> DebugfsInode? {
        var inode = DebugfsInode(
            number: 0, type: "", mode: 0, flags: 0, uid: 0, gid: 0, size: 0, links: 0, blockCount: 0, mtime: 0,
            ctime: 0, atime: 0, crtime: 0)
        var sawInode = false
        var lines = output.split(separator: "\n").map(String.init)[...]
        while let line = lines.popFirst() {
            if line.hasPrefix("Inode: ") {
                sawInode = true
                inode.number = Int(field(line, "Inode:") ?? "") ?? 0
                if let typeStart = line.range(of: "Type: "), let modeStart = line.range(of: "Mode: ") {
                    inode.type = line[typeStart.upperBound..<modeStart.lowerBound]
                        .trimmingCharacters(in: .whitespaces)
                }
                inode.mode = Int(field(line, "Mode:") ?? "", radix: 8) ?? -1
                inode.flags = Int((field(line, "Flags:") ?? "").dropFirst(2), radix: 16) ?? -1
            } else if line.hasPrefix("User: ") {
                inode.uid = Int(field(line, "User:") ?? "") ?? -1
                inode.gid = Int(field(line, "Group:") ?? "") ?? -1
                inode.size = Int64(field(line, "Size:") ?? "") ?? -1
            } else if line.hasPrefix("Links: ") {
                inode.links = Int(field(line, "Links:") ?? "") ?? -1
                inode.blockCount = Int64(field(line, "Blockcount:") ?? "") ?? -1
            } else if let (name, seconds) = parseTime(line) {
                switch name {
                case "mtime": inode.mtime = seconds
                case "ctime": inode.ctime = seconds
                case "atime": inode.atime = seconds
                case "crtime": inode.crtime = seconds
                default: break
                }
            } else if line.hasPrefix("Fast link dest: \"") {
                inode.fastLinkTarget = String(line.dropFirst("Fast link dest: \"".count).dropLast())
            } else if line.contains("Device major/minor number: ") {
                let numbers = line.components(separatedBy: "number: ")[1].split(separator: " ")[0]
                let parts = numbers.split(separator: ":").compactMap { Int($0) }
                if parts.count == 2 { inode.device = (parts[0], parts[1]) }
            } else if line == "EXTENTS:" {
                inode.extents = lines.popFirst() ?? ""
            }
        }
        return sawInode ? inode : nil
    }

    /// The whitespace-separated word after `label` on `line`.
    static func field(_ line: String, _ label: String) -> String? {
        guard let range = line.range(of: label) else { return nil }
        return line[range.upperBound...].split(separator: " ").first.map(String.init)
    }

    /// " mtime: 0x6553f100:00000000 -- ..." → ("mtime", seconds), decoding the extra epoch bits.
    static func parseTime(_ line: String) -> (String, Int64)? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard let colon = trimmed.firstIndex(of: ":"), trimmed.contains(": 0x") else { return nil }
        let name = String(trimmed[..<colon])
        guard let hex = field(trimmed, "0x") else { return nil }
        let parts = hex.split(separator: ":")
        guard parts.count == 2, let low = UInt32(parts[0], radix: 16), let extra = UInt32(parts[1], radix: 16) else {
            return nil
        }
        return (name, Int64(Int32(bitPattern: low)) + (Int64(extra & 3) << 32))
    }

    /// Every path in the image below the root ("/etc", "/etc/passwd"...; "." and ".." left out) with
    /// its mode bits as `ls -p` gives them (type and permissions), read one directory level per
    /// debugfs run.
    public func listing() throws -> [String: Int] {
        var result: [String: Int] = [:]
        var directories = ["/"]
        while !directories.isEmpty {
            let outputs = try run(directories.map { "ls -p \"\($0)\"" })
            var next: [String] = []
            for (directory, output) in zip(directories, outputs) {
                // Lines are "/inode/mode/uid/gid/name/size/"; a name cannot hold "/".
                for line in output.split(separator: "\n") where line.hasPrefix("/") {
                    let fields = line.split(separator: "/", omittingEmptySubsequences: false)
                    guard fields.count >= 7, let mode = Int(fields[2], radix: 8) else { continue }
                    let name = String(fields[5])
                    // Empty slots (lost+found's preallocated blocks) list as inode 0 with no name.
                    guard !name.isEmpty, name != ".", name != "..", fields[1] != "0" else { continue }
                    let path = (directory == "/" ? "" : directory) + "/" + name
                    result[path] = mode
                    if mode & 0o170000 == 0o040000 { next.append(path) }
                }
            }
            directories = next
        }
        return result
    }
}

extension Debugfs {
    /// Replays the image's journal, as the kernel would on the next mount: a guest that was killed
    /// rather than shut down may have its latest metadata only in the journal. Returns what debugfs
    /// said when it could not replay (debugfs exits 0 either way), or nil.
    ///
    /// debugfs loses an image name's `?offset=` when it reopens the device to recover the journal
    /// ("Bad magic number in super-block while recovering journal"), so a filesystem inside a disk
    /// image is copied out from its offset, replayed, and copied back.
    public func replayJournal() throws -> String? {
        let parts = image.components(separatedBy: "?offset=")
        guard parts.count == 2, let offset = Int64(parts[1]) else { return try Self.replayJournal(of: image) }
        let scratch = try TemporaryDirectory("journal")
        let copy = scratch.file("filesystem.img")
        try runChecked([
            "dd", "if=\(parts[0])", "of=\(copy)", "bs=1M", "skip=\(offset)", "iflag=skip_bytes", "status=none",
        ])
        if let complaint = try Self.replayJournal(of: copy) { return complaint }
        try runChecked([
            "dd", "if=\(copy)", "of=\(parts[0])", "bs=1M", "seek=\(offset)", "oflag=seek_bytes", "conv=notrunc",
            "status=none",
        ])
        return nil
    }

    /// Checksums are not verified while opening (`-n`): until the replay, on-disk bitmaps may lag
    /// the group descriptors that describe them, and debugfs would refuse to open the filesystem.
    private static func replayJournal(of file: String) throws -> String? {
        let result = try runTool(["debugfs", "-n", "-w", "-R", "journal_run", file])
        let complaints = result.stderr.split(separator: "\n").filter { !$0.hasPrefix("debugfs ") }
        return result.status == 0 && complaints.isEmpty ? nil : complaints.joined(separator: "\n")
    }
}
