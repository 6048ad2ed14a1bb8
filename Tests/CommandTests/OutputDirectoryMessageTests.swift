import Foundation
import TestSupport
import Testing

/// An output directory that cannot be used is named with the problem and the flag to change, never
/// with Foundation's error text.
@Suite struct OutputDirectoryMessageTests {
    @Test func anExistingFile() throws {
        let directory = try TemporaryDirectory()
        try Data(oneFileProfile.utf8).write(to: URL(fileURLWithPath: directory.file("tiny.yaml")))
        try Data().write(to: URL(fileURLWithPath: directory.file("taken")))
        let result = try slipway(["build", "tiny.yaml", "--rootfs-only", "-o", "taken"], in: directory.path)
        #expect(result.status == 1)
        #expect(
            result.stderr
                == "slipway build: taken: use as the output directory: it is a file, not a directory; name a "
                + "directory with --output (it is created if missing)\n")
        let below = try slipway(["build", "tiny.yaml", "--rootfs-only", "-o", "taken/out"], in: directory.path)
        #expect(
            below.stderr
                == "slipway build: taken/out: create the output directory: taken is a file, not a directory; name a "
                + "directory with --output (it is created if missing)\n")
    }

    /// As an unprivileged user (root may write anywhere): a directory that cannot be written, and one
    /// that cannot be made in it.
    @Test func aDirectoryWithoutPermission() throws {
        let directory = try TemporaryDirectory()
        try Data(oneFileProfile.utf8).write(to: URL(fileURLWithPath: directory.file("tiny.yaml")))
        try FileManager.default.createDirectory(atPath: directory.file("locked"), withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: directory.file("locked"))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: directory.file("tiny.yaml"))
        let nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        let executable = try Fixtures.slipwayExecutable()
        for (output, message) in [
            ("locked", "locked: write into the output directory: you cannot write into it"),
            ("locked/out", "locked/out: create the output directory: you cannot write into locked"),
        ] {
            let result = try runTool(
                ["sh", "-c", "cd \"$1\" && shift && exec \"$@\"", "sh", directory.path] + nobody
                    + [executable, "build", "tiny.yaml", "--rootfs-only", "-o", output])
            #expect(result.status == 1)
            #expect(
                result.stderr == "slipway build: \(message); choose a directory you can write with --output\n",
                "\(result.stderr)")
        }
    }
}
