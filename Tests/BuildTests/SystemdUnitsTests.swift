import Foundation
import Rootfs
import TestSupport
import Testing

@testable import Build

/// Unit enablement and masking in a tree, against what `systemctl enable` / `systemctl mask` make.
struct SystemdUnitsTests {
    /// One enablement case: unit files in the tree, the unit enabled, the links expected.
    struct Case: CustomTestStringConvertible, Sendable {
        var label: String
        var files: [String: String]
        var links: [String: String] = [:]
        var enable: String
        var expected: [String]
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(
            label: "WantedBy in /lib/systemd/system",
            files: [
                "/lib/systemd/system/containerd.service":
                    "[Service]\nExecStart=/x\n[Install]\nWantedBy=multi-user.target\n"
            ],
            enable: "containerd.service",
            expected: [
                "/etc/systemd/system/multi-user.target.wants/containerd.service -> /lib/systemd/system/containerd.service"
            ]),
        Case(
            label: "Alias and Also, as systemd-networkd.service has",
            files: [
                "/lib/systemd/system/systemd-networkd.service": """
                [Unit]
                Description=Network
                [Install]
                WantedBy=multi-user.target
                Also=systemd-networkd.socket
                Alias=dbus-org.freedesktop.network1.service
                # A comment, and a continued line:
                Also=systemd-networkd-wait-online.service \\
                  systemd-network-generator.service
                """,
                "/lib/systemd/system/systemd-networkd.socket": "[Install]\nWantedBy=sockets.target\n",
                "/lib/systemd/system/systemd-networkd-wait-online.service":
                    "[Install]\nWantedBy=network-online.target\n",
                "/lib/systemd/system/systemd-network-generator.service": "[Install]\nWantedBy=sysinit.target\n",
            ],
            enable: "systemd-networkd.service",
            expected: [
                "/etc/systemd/system/dbus-org.freedesktop.network1.service -> /lib/systemd/system/systemd-networkd.service",
                "/etc/systemd/system/multi-user.target.wants/systemd-networkd.service -> /lib/systemd/system/systemd-networkd.service",
                "/etc/systemd/system/network-online.target.wants/systemd-networkd-wait-online.service -> /lib/systemd/system/systemd-networkd-wait-online.service",
                "/etc/systemd/system/sockets.target.wants/systemd-networkd.socket -> /lib/systemd/system/systemd-networkd.socket",
                "/etc/systemd/system/sysinit.target.wants/systemd-network-generator.service -> /lib/systemd/system/systemd-network-generator.service",
            ]),
        Case(
            label: "RequiredBy, several targets on one line; UpheldBy is not systemd 252's",
            files: [
                "/usr/lib/systemd/system/slipway-ready.service":
                    "[Install]\nWantedBy=multi-user.target  a.target\nRequiredBy=boot-complete.target\nUpheldBy=b.target\n"
            ],
            enable: "slipway-ready.service",
            expected: [
                "/etc/systemd/system/a.target.wants/slipway-ready.service -> /usr/lib/systemd/system/slipway-ready.service",
                "/etc/systemd/system/boot-complete.target.requires/slipway-ready.service -> /usr/lib/systemd/system/slipway-ready.service",
                "/etc/systemd/system/multi-user.target.wants/slipway-ready.service -> /usr/lib/systemd/system/slipway-ready.service",
            ]),
        Case(
            label: "an instance of a template links to the template",
            files: ["/lib/systemd/system/getty@.service": "[Install]\nWantedBy=getty.target\nAlias=console@.service\n"],
            enable: "getty@ttyS0.service",
            expected: [
                "/etc/systemd/system/console@ttyS0.service -> /lib/systemd/system/getty@.service",
                "/etc/systemd/system/getty.target.wants/getty@ttyS0.service -> /lib/systemd/system/getty@.service",
            ]),
        Case(
            label: "a template with DefaultInstance and specifiers",
            files: ["/lib/systemd/system/worker@.service": "[Install]\nDefaultInstance=one\nWantedBy=%p.target\n"],
            enable: "worker@.service",
            expected: [
                "/etc/systemd/system/worker.target.wants/worker@one.service -> /lib/systemd/system/worker@.service"
            ]),
        Case(
            label: "/etc/systemd/system comes before the package's copy",
            files: [
                "/etc/systemd/system/docker.service": "[Install]\nWantedBy=multi-user.target\n",
                "/lib/systemd/system/docker.service": "[Install]\nWantedBy=other.target\n",
            ],
            enable: "docker.service",
            expected: [
                "/etc/systemd/system/multi-user.target.wants/docker.service -> /etc/systemd/system/docker.service"
            ]),
        Case(
            label: "a merged-/usr root finds /lib/systemd/system through /lib -> usr/lib",
            files: ["/usr/lib/systemd/system/dbus.service": "[Install]\nWantedBy=multi-user.target\n"],
            links: ["/lib": "usr/lib"],
            enable: "dbus.service",
            expected: ["/etc/systemd/system/multi-user.target.wants/dbus.service -> /lib/systemd/system/dbus.service"]),
        Case(
            label: "a unit linked into /etc from outside the search path, as Debian's tmp.mount is used",
            files: ["/usr/share/systemd/tmp.mount": "[Mount]\nWhat=tmpfs\n[Install]\nWantedBy=local-fs.target\n"],
            links: ["/etc/systemd/system/tmp.mount": "/usr/share/systemd/tmp.mount"],
            enable: "tmp.mount",
            expected: [
                "/etc/systemd/system/local-fs.target.wants/tmp.mount -> /usr/share/systemd/tmp.mount",
                "/etc/systemd/system/tmp.mount -> /usr/share/systemd/tmp.mount",
            ]),
        Case(
            label: "an empty assignment resets the list",
            files: ["/lib/systemd/system/x.service": "[Install]\nWantedBy=a.target\nWantedBy=\nWantedBy=b.target\n"],
            enable: "x.service",
            expected: ["/etc/systemd/system/b.target.wants/x.service -> /lib/systemd/system/x.service"]),
    ]

    @Test(arguments: cases)
    func enableMakesTheLinksSystemctlWould(_ testCase: Case) throws {
        let tree = try DockerHostFixtures.tree(files: testCase.files, links: testCase.links)
        let units = SystemdUnits(tree: tree, modificationTime: 7)
        let links = try units.enable(testCase.enable)
        #expect(DockerHostFixtures.enablement(tree) == testCase.expected)
        // Links that were there before (a unit linked into /etc) are not made by enabling.
        let before = Set(testCase.links.map { "\($0.key) -> \($0.value)" })
        #expect(links.map(\.description).sorted() == testCase.expected.filter { !before.contains($0) })
        // Enabling again changes nothing and is not an error.
        try units.enable(testCase.enable)
        #expect(DockerHostFixtures.enablement(tree) == testCase.expected)
    }

    /// The same cases through systemd 252's own `systemctl --root=DIR enable` on a directory: the
    /// links must be the same.
    @Test(arguments: cases)
    func systemctlMakesTheSameLinks(_ testCase: Case) throws {
        let directory = try TemporaryDirectory()
        for (path, target) in testCase.links {
            try FileManager.default.createDirectory(
                atPath: directory.path + (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true
            )
            try FileManager.default.createSymbolicLink(atPath: directory.path + path, withDestinationPath: target)
        }
        for (path, text) in testCase.files {
            let host = directory.path + path
            try FileManager.default.createDirectory(
                atPath: (host as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: host, atomically: false, encoding: .utf8)
        }
        let result = try runTool(["systemctl", "--root=\(directory.path)", "enable", testCase.enable])
        #expect(result.status == 0, "\(result.stderr)")
        let found = try runTool(["find", directory.path + "/etc/systemd/system", "-type", "l", "-printf", "%p -> %l\n"])
        let links = found.stdout.split(separator: "\n").map { String($0.dropFirst(directory.path.count)) }.sorted()
        #expect(links == testCase.expected)
    }

    @Test func linksAndDirectoriesCarryTheBuildTime() throws {
        let tree = try DockerHostFixtures.tree(files: [
            "/lib/systemd/system/a.service": "[Install]\nWantedBy=multi-user.target\n"
        ])
        try SystemdUnits(tree: tree, modificationTime: 1234).enable("a.service")
        #expect(tree.node(at: "/etc/systemd/system/multi-user.target.wants")?.metadata.modificationTime == 1234)
        #expect(
            tree.node(at: "/etc/systemd/system/multi-user.target.wants/a.service")?.metadata.modificationTime == 1234)
    }

    @Test func maskLinksToDevNullEvenForUnitsThatDoNotExist() throws {
        let tree = try DockerHostFixtures.tree(files: ["/lib/systemd/system/systemd-firstboot.service": "[Unit]\n"])
        let units = SystemdUnits(tree: tree, modificationTime: 0)
        try units.mask("systemd-firstboot.service")
        try units.mask("apt-daily.timer")
        try units.mask("apt-daily.timer")
        #expect(
            DockerHostFixtures.enablement(tree) == [
                "/etc/systemd/system/apt-daily.timer -> /dev/null",
                "/etc/systemd/system/systemd-firstboot.service -> /dev/null",
            ])
    }

    @Test func maskRefusesToHideAUnitFileInEtc() throws {
        let tree = try DockerHostFixtures.tree(files: ["/etc/systemd/system/docker.service": "[Unit]\n"])
        let error = try #require(throws: BuildError.self) {
            try SystemdUnits(tree: tree, modificationTime: 0).mask("docker.service", requestedAt: "p.yaml:9:7")
        }
        #expect(error.path == "p.yaml:9:7")
        #expect(
            error.message
                == "/etc/systemd/system/docker.service is already a file; remove it from the overlay or the profile")
    }

    @Test func enablingAMissingUnitNamesItAndTheProfileLine() throws {
        let tree = try DockerHostFixtures.tree(files: [:])
        let error = try #require(throws: BuildError.self) {
            try SystemdUnits(tree: tree, modificationTime: 0).enable("sshd.service", requestedAt: "p.yaml:12:7")
        }
        #expect(error.operation == "enable sshd.service")
        #expect(error.path == "p.yaml:12:7")
        #expect(
            error.message
                == "no unit file sshd.service in /etc/systemd/system, /usr/local/lib/systemd/system, /lib/systemd/system, "
                + "/usr/lib/systemd/system; add the package or overlay that ships it, or remove it from services.enable"
        )
    }

    @Test func aMissingAlsoUnitNamesBoth() throws {
        let tree = try DockerHostFixtures.tree(files: ["/lib/systemd/system/a.service": "[Install]\nAlso=b.socket\n"])
        let error = try #require(throws: BuildError.self) {
            try SystemdUnits(tree: tree, modificationTime: 0).enable("a.service")
        }
        #expect(error.operation == "enable b.socket (Also= of a.service)")
    }

    /// Units a profile cannot enable, and why.
    @Test(arguments: [
        (
            "static.service", ["/lib/systemd/system/static.service": "[Unit]\nDescription=x\n"],
            "has no [Install] section"
        ),
        (
            "getty@.service", ["/lib/systemd/system/getty@.service": "[Install]\nWantedBy=getty.target\n"],
            "is a template without DefaultInstance="
        ),
        (
            "kmod.service",
            ["/lib/systemd/system/systemd-modules-load.service": "[Install]\nWantedBy=sysinit.target\n"],
            "is an alias of systemd-modules-load.service"
        ),
        (
            "x.service", ["/lib/systemd/system/x.service": "[Install]\nWantedBy=%H.target\n"],
            "depends on the running machine"
        ),
        ("x.service", ["/lib/systemd/system/x.service": "[Install]\nAlias=y.socket\n"], "is not a .service unit name"),
    ])
    func unitsThatCannotBeEnabled(name: String, files: [String: String], message: String) throws {
        let tree = try DockerHostFixtures.tree(
            files: files, links: ["/lib/systemd/system/kmod.service": "systemd-modules-load.service"])
        let error = try #require(throws: BuildError.self) {
            try SystemdUnits(tree: tree, modificationTime: 0).enable(name)
        }
        #expect(error.message.contains(message), "\(error)")
    }

    @Test func aMaskedUnitCannotBeEnabled() throws {
        let tree = try DockerHostFixtures.tree(
            files: ["/lib/systemd/system/x.service": "[Install]\nWantedBy=multi-user.target\n"],
            links: ["/etc/systemd/system/x.service": "/dev/null"])
        let error = try #require(throws: BuildError.self) {
            try SystemdUnits(tree: tree, modificationTime: 0).enable("x.service")
        }
        #expect(error.message == "/etc/systemd/system/x.service masks the unit (it links to /dev/null)")
    }

    @Test func aLinkInTheWayIsAnError() throws {
        let tree = try DockerHostFixtures.tree(
            files: ["/lib/systemd/system/x.service": "[Install]\nWantedBy=multi-user.target\n"],
            links: ["/etc/systemd/system/multi-user.target.wants/x.service": "/somewhere/else.service"])
        let error = try #require(throws: BuildError.self) {
            try SystemdUnits(tree: tree, modificationTime: 0).enable("x.service")
        }
        #expect(
            error.message
                == "/etc/systemd/system/multi-user.target.wants/x.service is already a link to /somewhere/else.service; "
                + "remove it from the overlay or the profile")
    }

    @Test(
        arguments: [
            ("getty@ttyS0.service", "getty", "ttyS0", "service"),
            ("getty@.service", "getty", "", "service"),
            ("multi-user.target", "multi-user", nil, "target"),
            ("var-lib.mount", "var-lib", nil, "mount"),
        ] as [(String, String, String?, String)])
    func unitNamesSplit(name: String, prefix: String, instance: String?, type: String) throws {
        let unit = try #require(UnitName(name))
        #expect(unit.prefix == prefix)
        #expect(unit.instance == instance)
        #expect(unit.type == type)
        #expect(unit.description == name)
    }

    @Test(arguments: ["", "nodot", "x.unknown", ".service", "a/b.service", "bad\nname.service"])
    func notUnitNames(name: String) {
        #expect(UnitName(name) == nil)
    }
}
