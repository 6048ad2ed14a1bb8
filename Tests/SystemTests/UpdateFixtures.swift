import Foundation
import TestSupport

/// Minimal images and update payloads for the update tests, built once per test run with the CLI:
///
///   v1        1.0.0, trusts keys/update.pub, 2 tries per new slot   out-v1/minimal.img
///   v2        2.0.0, signed with keys/update.key                    out-v2/minimal.update
///   v0        0.9.0, signed with keys/update.key (a downgrade)      out-v0/minimal.update
///   stranger  2.0.0, signed with other/update.key (not trusted)     out-stranger/minimal.update
///   noinit    2.0.0 whose init exits at once                        out-noinit/minimal.update
///   big       2.0.0 with a 100 MiB root filesystem (v1's slots hold 64 MiB)  out-big/minimal.update
///   cut       1.0.0 that applies /var/update.payload when it finds one out-cut/minimal.img
///             (the power-cut tests give it one through the first-boot config)
enum UpdateFixtures {
    struct Built {
        var directory: String
        var v1Image: String { directory + "/out-v1/minimal.img" }
        func payload(_ name: String) -> String { directory + "/out-\(name)/minimal.update" }
        func rootfs(_ name: String) -> String { directory + "/out-\(name)/minimal.rootfs.ext4" }
    }

    static let built: Result<Built, any Error> = Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-update-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let slipway = try Fixtures.slipwayExecutable()
        for keys in ["keys", "other"] {
            let generated = try runTool([slipway, "keys", "generate", directory + "/" + keys])
            guard generated.status == 0 else { throw FixtureError("keys generate: \(generated.stderr)") }
        }
        let minimal = packageRoot().appendingPathComponent("profiles/minimal.yaml").path
        func profile(_ name: String, version: String, extra: String = "") throws {
            let text = """
                name: minimal
                extends: \(minimal)
                version: "\(version)"
                update:
                  keys: [keys/update.pub]
                  tries: 2
                \(extra)
                """
            try text.write(toFile: "\(directory)/\(name).yaml", atomically: true, encoding: .utf8)
        }
        try profile("v1", version: "1.0.0")
        try profile("v2", version: "2.0.0")
        try profile("v0", version: "0.9.0")
        try profile("stranger", version: "2.0.0")
        // An init that exits at once: the kernel panics and, with panic=-1, resets the machine.
        try profile(
            "noinit", version: "2.0.0",
            extra: """
                root:
                  layers:
                    - files:
                        - { path: /sbin/exit-init, mode: "0755", content: "#!/bin/sh\\necho 'slipway: init exits'\\nexit 1\\n" }
                init: /sbin/exit-init
                """)
        try profile(
            "big", version: "2.0.0",
            extra: """
                root:
                  size: 100MiB
                disk:
                  root: 128MiB
                """)
        // busybox init runs the apply script once per boot, after rcS (which blesses the slot);
        // STATE is large enough for a payload.
        try profile(
            "cut", version: "1.0.0",
            extra: """
                root:
                  layers:
                    - files:
                        - path: /etc/inittab
                          content: |
                            ::sysinit:/etc/init.d/rcS
                            ::once:/usr/lib/slipway-test/apply
                            ::respawn:-/bin/sh
                        - path: /usr/lib/slipway-test/apply
                          mode: "0755"
                          content: |
                            #!/bin/sh
                            [ -f /var/update.payload ] || exit 0
                            slipway-update apply /var/update.payload && rm /var/update.payload && reboot
                disk:
                  state: 128MiB
                """)
        for (name, key) in [
            ("v1", nil), ("v2", "keys"), ("v0", "keys"), ("stranger", "other"), ("noinit", "keys"), ("cut", nil), ("big", "keys"),
        ] as [(String, String?)] {
            var arguments = [
                slipway, "build", "\(directory)/\(name).yaml", "--output", "\(directory)/out-\(name)", "--quiet",
            ]
            if let key { arguments += ["--signing-key", "\(directory)/\(key)/update.key"] }
            let build = try runTool(arguments)
            guard build.status == 0 else { throw FixtureError("slipway build \(name): \(build.stderr)") }
        }
        return Built(directory: directory)
    }

    /// A sparse copy of v1's image in `scratch`.
    static func v1Copy(in scratch: TemporaryDirectory, name: String = "v1.img") throws -> String {
        let copy = scratch.file(name)
        try runTool(["cp", "--sparse=always", try built.get().v1Image, copy])
        return copy
    }

    /// The partitions of `image` as sfdisk reads them: name → (start sector, sectors, PARTUUID).
    static func partitions(of image: String) throws -> [String: (start: Int, size: Int, uuid: String)] {
        let table = try runTool(["sfdisk", "--json", image]).stdout
        let json = try JSONSerialization.jsonObject(with: Data(table.utf8)) as? [String: Any]
        let list = ((json?["partitiontable"] as? [String: Any])?["partitions"] as? [[String: Any]]) ?? []
        var result: [String: (start: Int, size: Int, uuid: String)] = [:]
        for partition in list {
            guard let name = partition["name"] as? String, let start = partition["start"] as? Int,
                let size = partition["size"] as? Int, let uuid = partition["uuid"] as? String
            else { continue }
            result[name] = (start, size, uuid.lowercased())
        }
        return result
    }

    /// The ESP's loader entry file names, read with mtools.
    static func entries(of image: String) throws -> [String] {
        guard let esp = try partitions(of: image)["ESP"] else { throw FixtureError("\(image) has no ESP") }
        let listing = try runTool(["mdir", "-b", "-i", "\(image)@@\(esp.start * 512)", "::/loader/entries"])
        return listing.stdout.split(separator: "\n").compactMap { $0.split(separator: "/").last.map(String.init) }
            .filter { $0.hasSuffix(".conf") }.sorted()
    }

    static func sha256(_ path: String) throws -> String {
        try runTool(["sha256sum", path]).stdout.split(separator: " ").first.map(String.init) ?? ""
    }
}
