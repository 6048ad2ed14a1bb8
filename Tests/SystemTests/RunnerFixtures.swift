import Foundation
import Runner
import TestSupport

/// Real boot material for the runner's system tests: Debian's cloud kernel and a busybox initrd.
///
/// The kernel package is fetched once with `apt-get download` into /tmp/slipway-test-cache and reused;
/// everything lands there by rename, so concurrent test runs never see half-written files.
enum RunnerFixtures {
    static let cache = URL(fileURLWithPath: "/tmp/slipway-test-cache")

    /// Printed by the test init once it runs, so tests can wait for it.
    static let marker = "slipway-test: init running"

    /// A kernel command line for the busybox initrd; `mode` selects what init does after the marker:
    /// `poweroff` (power off at once), `echo` (read a line, print it back, power off), `stay` (sleep),
    /// `reboot` (reboot at once).
    static func commandLine(mode: String) -> String {
        "console=ttyS0 panic=-1 slipway.test=\(mode)"
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The vmlinuz of the kernel `linux-image-cloud-amd64` depends on.
    static func kernel() throws -> String {
        let package = try kernelPackageName()
        let kernelPath = cache.appendingPathComponent("runner/vmlinuz-\(package)").path
        if FileManager.default.fileExists(atPath: kernelPath) { return kernelPath }
        let deb = try kernelPackage(package)
        let scratch = try TemporaryDirectory("slipway-kernel")
        try check(
            runTool([
                "sh", "-c", "dpkg-deb --fsys-tarfile \"$0\" | tar -x -C \"$1\" --wildcards './boot/vmlinuz-*'", deb,
                scratch.path,
            ]),
            "extract vmlinuz from \(deb)")
        let boot = scratch.url.appendingPathComponent("boot")
        guard
            let name = try FileManager.default.contentsOfDirectory(atPath: boot.path).first(where: {
                $0.hasPrefix("vmlinuz-")
            })
        else { throw Failure(description: "\(deb) holds no boot/vmlinuz-*") }
        try place(boot.appendingPathComponent(name).path, at: kernelPath)
        return kernelPath
    }

    /// A cpio initrd holding static busybox and an /init that prints `marker` and acts on `slipway.test=`.
    static func busyboxInitrd(in directory: TemporaryDirectory) throws -> String {
        let root = directory.url.appendingPathComponent("initrd-root")
        let files = FileManager.default
        for sub in ["bin", "proc", "dev", "sys"] {
            try files.createDirectory(at: root.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        try files.copyItem(atPath: "/bin/busybox", toPath: root.appendingPathComponent("bin/busybox").path)
        let initPath = root.appendingPathComponent("init").path
        try initScript.write(toFile: initPath, atomically: true, encoding: .utf8)
        try files.setAttributes([.posixPermissions: 0o755], ofItemAtPath: initPath)
        let initrd = directory.file("initrd.cpio")
        try check(
            runTool(["sh", "-c", "cd \"$0\" && find . | cpio --quiet -o -H newc -R 0:0 > \"$1\"", root.path, initrd]),
            "pack the busybox initrd")
        return initrd
    }

    static let initScript = """
        #!/bin/busybox sh
        /bin/busybox --install -s /bin
        export PATH=/bin
        mount -t proc proc /proc
        mount -t devtmpfs dev /dev 2>/dev/null
        exec </dev/console >/dev/console 2>&1
        echo "\(marker)"
        case "$(cat /proc/cmdline)" in
        *slipway.test=echo*)
            echo "slipway-test: type a line"
            read -r line
            echo "slipway-test: got [$line]"
            ;;
        *slipway.test=stay*)
            echo "slipway-test: staying up"
            sleep 600
            ;;
        *slipway.test=reboot*)
            echo "slipway-test: rebooting"
            reboot -f
            sleep 600
            ;;
        esac
        echo "slipway-test: powering off"
        poweroff -f

        """

    /// A direct kernel boot of the busybox initrd under TCG.
    static func directBoot(initrd: String, mode: String) throws -> MachineConfiguration {
        MachineConfiguration(
            boot: .directKernel(
                DirectKernel(kernel: try kernel(), initrd: initrd, commandLine: commandLine(mode: mode))),
            memoryMiB: 512, network: nil, acceleration: .tcg)
    }

    /// The built `slipway` executable next to the test bundle.
    static func slipwayExecutable() throws -> String {
        let candidates = [
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("slipway").path,
            Bundle.main.bundleURL.appendingPathComponent("slipway").path,
            packageRoot().appendingPathComponent(".build/debug/slipway").path,
        ]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw Failure(description: "no slipway executable in \(candidates); run `swift build` first")
        }
        return found
    }

    // MARK: Kernel package

    private static func kernelPackageName() throws -> String {
        let result = try check(runTool(["apt-cache", "depends", "linux-image-cloud-amd64"]), "apt-cache depends")
        let depends = result.stdout.split(separator: "\n").compactMap { line -> String? in
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, parts[0] == "Depends", parts[1].hasPrefix("linux-image-") else { return nil }
            return parts[1]
        }
        guard let name = depends.first else {
            throw Failure(description: "apt-cache depends linux-image-cloud-amd64 names no linux-image-* package")
        }
        return name
    }

    private static func kernelPackage(_ package: String) throws -> String {
        let directory = cache.appendingPathComponent("kernel")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let existing = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasPrefix(package + "_") && $0.hasSuffix(".deb") }
        if let deb = existing.first { return directory.appendingPathComponent(deb).path }
        let download = directory.appendingPathComponent(".download-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: download, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: download) }
        try check(
            runTool(["sh", "-c", "cd \"$0\" && apt-get download -q \"$1\"", download.path, package]),
            "apt-get download \(package)")
        guard
            let deb = try FileManager.default.contentsOfDirectory(atPath: download.path).first(where: {
                $0.hasSuffix(".deb")
            })
        else { throw Failure(description: "apt-get download \(package) produced no .deb") }
        let target = directory.appendingPathComponent(deb).path
        try place(download.appendingPathComponent(deb).path, at: target)
        return target
    }

    /// Moves `source` to `target` by rename; a concurrent run that got there first wins.
    private static func place(_ source: String, at target: String) throws {
        try FileManager.default.createDirectory(
            atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard rename(source, target) == 0 || FileManager.default.fileExists(atPath: target) else {
            throw Failure(description: "could not move \(source) to \(target): errno \(errno)")
        }
    }

    @discardableResult
    private static func check(_ result: CommandResult, _ what: String) throws -> CommandResult {
        guard result.status == 0 else {
            throw Failure(description: "\(what) failed with status \(result.status): \(result.stderr)")
        }
        return result
    }
}
