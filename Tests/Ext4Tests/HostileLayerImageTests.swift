import Ext4
import Foundation
import Rootfs
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What layers may legitimately hold that looks dangerous (links out of the tree, device nodes,
/// fifos, sockets) lands in the image as exactly those nodes, read back with debugfs and e2fsck,
/// and nothing of it is ever created on the host or followed there.
@Suite struct HostileLayerImageTests {
    static let passwd = "root:x:0:0::/root:/bin/sh\n"

    /// Every path under `directory` (links not followed) whose type is not a directory, regular
    /// file or symbolic link, with its type.
    static func specialFiles(under directory: String) -> [String: String] {
        var found: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(atPath: directory)
        while let name = enumerator?.nextObject() as? String {
            var info = stat()
            guard lstat(directory + "/" + name, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFCHR: found[name] = "character"
            case S_IFBLK: found[name] = "block"
            case S_IFIFO: found[name] = "fifo"
            case S_IFSOCK: found[name] = "socket"
            default: break
            }
        }
        return found
    }

    @Test func linksOutOfTheTreeAndSpecialFilesAreImageNodesOnly() throws {
        let scratch = try TemporaryDirectory("hostile-image")
        let base = try writeTar(
            [
                .file("etc/passwd", Self.passwd), .hardlink("etc/passwd-", to: "etc/passwd"),
                .symlink("d", to: "/etc"), .symlink("up", to: "../../.."), .symlink("root", to: "/"),
                .symlink("shadow", to: "/etc/shadow"),
                Member(name: "dev/null", kind: .char, mode: 0o666, major: 1, minor: 3),
                Member(name: "dev/kmsg", kind: .char, mode: 0o644, major: 1, minor: 11),
                Member(name: "dev/sda", kind: .block, mode: 0o660, gid: 6, major: 8, minor: 0),
                Member(name: "dev/nvme", kind: .block, mode: 0o600, major: 259, minor: 1_048_575),
                Member(name: "run/initctl", kind: .fifo, mode: 0o600),
            ], to: scratch.file("base.tar"), compression: .gzip)
        // A later layer deletes one device and one link (the link itself, not what it names).
        let update = try writeTar([.whiteout("dev/kmsg"), .whiteout("up")], to: scratch.file("update.tar"))
        // An overlay with a fifo and a socket of its own.
        let overlay = scratch.file("overlay")
        try FileManager.default.createDirectory(atPath: overlay + "/run", withIntermediateDirectories: true)
        try runChecked(["mkfifo", overlay + "/run/pipe"])
        try runChecked([
            "python3", "-c", "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])",
            overlay + "/run/socket",
        ])
        let hostSpecials = Self.specialFiles(under: scratch.path)
        #expect(hostSpecials == ["overlay/run/pipe": "fifo", "overlay/run/socket": "socket"])

        let store = try ContentStore(directory: scratch.path)
        defer { store.remove() }
        let assembler = RootfsAssembler(store: store)
        try assembler.apply([.tar(path: base), .tar(path: update), .directory(path: overlay)])
        let image = scratch.file("root.img")
        try Ext4Writer.write(
            tree: assembler.tree, to: image,
            options: Ext4Options(label: "root", seed: Array("hostile".utf8), timestamp: 1_700_000_000))

        let fsck = try runTool(["e2fsck", "-fn", image])
        #expect(fsck.status == 0, "e2fsck -fn: \(fsck.stdout)\(fsck.stderr)")
        let debugfs = Debugfs(image: image)
        #expect(
            Set(try debugfs.listing().keys).subtracting(["/lost+found"])
                == [
                    "/etc", "/etc/passwd", "/etc/passwd-", "/d", "/root", "/shadow", "/dev", "/dev/null", "/dev/sda",
                    "/dev/nvme", "/run", "/run/initctl", "/run/pipe", "/run/socket",
                ])
        let inodes = try debugfs.stat([
            "/d", "/root", "/shadow", "/dev/null", "/dev/sda", "/dev/nvme", "/run/initctl", "/run/pipe", "/run/socket",
            "/etc/passwd", "/etc/passwd-",
        ])
        #expect(inodes["/d"]?.fastLinkTarget == "/etc")
        #expect(inodes["/root"]?.fastLinkTarget == "/")
        #expect(inodes["/shadow"]?.fastLinkTarget == "/etc/shadow")
        for (path, type, major, minor) in [
            ("/dev/null", "character special", 1, 3), ("/dev/sda", "block special", 8, 0),
            ("/dev/nvme", "block special", 259, 1_048_575),
        ] {
            #expect(inodes[path]?.type == type, "\(path)")
            #expect(inodes[path]?.device?.major == major && inodes[path]?.device?.minor == minor, "\(path)")
        }
        #expect(inodes["/dev/sda"]?.gid == 6 && inodes["/dev/sda"]?.mode == 0o660)
        #expect(inodes["/run/initctl"]?.type == "FIFO" && inodes["/run/pipe"]?.type == "FIFO")
        #expect(inodes["/run/socket"]?.type == "socket")
        // The file the links point at is the layer's, once, with both names.
        #expect(inodes["/etc/passwd"]?.number == inodes["/etc/passwd-"]?.number)
        #expect(inodes["/etc/passwd"]?.links == 2)
        let contents = try debugfs.contents(["/etc/passwd"], scratch: scratch)
        #expect(contents["/etc/passwd"] == Array(Self.passwd.utf8))

        // Nothing was made on the host: the only special files are the two the test made.
        #expect(Self.specialFiles(under: scratch.path) == hostSpecials)
    }
}
