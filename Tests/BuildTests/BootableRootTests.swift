import Foundation
import Profile
import Rootfs
import TestSupport
import Testing

@testable import Build

/// A root the initrd cannot boot (no init, no mount points) stops the build before its image is
/// written, at the profile's `init` and `root.layers`, naming what is missing.
@Suite struct BootableRootTests {
    private static let mountPoints = ["state", "etc", "var", "home", "dev", "proc", "sys", "run"]

    /// A tree with the mount points in `directories` and `extra` nodes.
    private func tree(directories: [String] = mountPoints, _ extra: [(String, Node)] = []) throws -> Tree {
        let tree = Tree()
        for name in directories { try tree.insert(Node(kind: .directory, metadata: .directoryDefault), at: [name]) }
        for (path, node) in extra { try tree.insert(node, at: TreePath.components(path)) }
        return tree
    }

    private func file(mode: UInt16) -> Node {
        Node(kind: .regular(.inline([0x7F, 0x45])), metadata: Metadata(permissions: mode))
    }

    private func link(_ target: String) -> Node {
        Node(kind: .symlink(target: target), metadata: Metadata(permissions: 0o777))
    }

    private func profile(_ text: String, in dir: TemporaryDirectory) throws -> Profile {
        try Data(text.utf8).write(to: URL(fileURLWithPath: dir.file("p.yaml")))
        return try Profile.load(path: dir.file("p.yaml"))
    }

    @Test func aCompleteRootPassesThroughLinks() throws {
        let dir = try TemporaryDirectory()
        let profile = try profile("name: p\nroot:\n  layers:\n    - packages: [busybox-static]\n", in: dir)
        // Merged /usr: /sbin is a link, /sbin/init an absolute link to a file further on.
        let root = try tree([
            ("usr/sbin/init", link("/usr/lib/systemd/systemd")), ("usr/lib/systemd/systemd", file(mode: 0o755)),
            ("sbin", link("usr/sbin")),
        ])
        try BootableRoot.check(root, profile: profile)
    }

    @Test func anEmptyRootNamesEveryMissingPath() throws {
        let dir = try TemporaryDirectory()
        let profile = try profile("name: p\nroot:\n  layers:\n    - packages: [busybox-static]\n", in: dir)
        let error = try #require(throws: ProfileErrors.self) {
            try BootableRoot.check(try tree(directories: ["etc"]), profile: profile)
        }
        let path = dir.file("p.yaml")
        #expect(
            error.description == """
                \(path):1:1: init "/sbin/init": the root has no /sbin/init, and the initrd runs it after switching \
                root, so the image cannot boot; add a layer that installs it (a package such as systemd-sysv, or a \
                link to busybox as profiles/minimal.yaml has), or set init to the system's init
                \(path):3:3: root.layers: the root has no /state, /var, /home, /dev, /proc, /sys or /run, which the \
                initrd mounts on to boot the image; extend profiles/base.yaml (extends: base.yaml), which creates \
                them, or add them: - directories: [{ path: /state }, { path: /var }, { path: /home }, { path: /dev }, \
                { path: /proc }, { path: /sys }, { path: /run }]
                """)
        #expect(error.problems.map(\.keyPath) == ["init", "root.layers"])
    }

    @Test(arguments: [
        (
            [("sbin/init", "link:/bin/busybox")],
            "the root has no /sbin/init: it links to /bin/busybox, which is not in the root"
        ),
        ([("sbin/init", "file:644")], "/sbin/init in the root is not executable (mode 644)"),
        ([("sbin/init", "directory")], "/sbin/init in the root is not a regular file"),
        (
            [("sbin/init", "link:../bin/init"), ("bin/init", "file:600")],
            "/sbin/init (/bin/init) in the root is not executable (mode 600)"
        ),
    ])
    func anInitThatCannotRunSaysWhy(entries: [(String, String)], reason: String) throws {
        var nodes: [(String, Node)] = []
        for (path, kind) in entries {
            if kind.hasPrefix("link:") {
                nodes.append((path, link(String(kind.dropFirst(5)))))
            } else if kind.hasPrefix("file:") {
                nodes.append((path, file(mode: UInt16(kind.dropFirst(5), radix: 8) ?? 0)))
            } else {
                nodes.append((path, Node(kind: .directory, metadata: .directoryDefault)))
            }
        }
        #expect(BootableRoot.initProblem(try tree(nodes), "/sbin/init") == reason)
    }

    /// A profile whose layers are all declared shows what is missing before anything is fetched; a
    /// root-only build is not held to it.
    @Test func aBuildOfADeclaredRootStopsBeforeFetching() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("p.yaml")
        try Data("name: p\nroot:\n  layers:\n    - files:\n        - { path: /etc/motd, content: hi }\n".utf8).write(
            to: URL(fileURLWithPath: path))
        var request = BuildRequest(
            profilePath: path, outputDirectory: dir.file("out"), cacheDirectory: dir.file("cache"), sourceDateEpoch: 1)
        let error = try #require(throws: ProfileErrors.self) { try Builder(request).build() }
        #expect(error.problems.map(\.keyPath) == ["init", "root.layers"])
        #expect(error.problems.first?.message.hasPrefix("no layer provides it, and the initrd runs it") == true)
        #expect(!FileManager.default.fileExists(atPath: dir.file("cache")), "nothing was fetched")
        #expect(!FileManager.default.fileExists(atPath: dir.file("out")), "no output directory was made")
        request.rootfsOnly = true
        #expect(try Builder(request).build().outputs["rootfs"] != nil)
    }

    /// Packages may provide anything, so the tree is checked once it is assembled, before the root
    /// filesystem is written.
    @Test func aBuildWithoutBaseStopsBeforeTheRootImage() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("p.yaml")
        try Data("name: p\nroot:\n  layers:\n    - packages: [busybox-static]\n".utf8).write(
            to: URL(fileURLWithPath: path))
        let request = BuildRequest(
            profilePath: path, outputDirectory: dir.file("out"), cacheDirectory: BuildPipelineTests.cache,
            sourceDateEpoch: 1, initrdExecutable: try Fixtures.initrdExecutable())
        let error = try #require(throws: ProfileErrors.self) { try Builder(request).build() }
        #expect(
            error.problems.map { String($0.message.prefix(60)) } == [
                "the root has no /sbin/init, and the initrd runs it after swi",
                "the root has no /state, /var, /home, /dev, /proc, /sys or /r",
            ])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.file("out")) == [])
    }
}
