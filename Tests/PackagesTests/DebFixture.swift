// Hand-made .deb files for the reader's edge cases: an ar archive written byte by byte (deb(5)) around
// control and data archives that the system's tar makes.
import Foundation
import TestSupport

/// Writes an `ar` archive: the "!<arch>\n" magic, then per member a 60-byte header and the data,
/// padded to an even length.
func arArchive(_ members: [(name: String, bytes: [UInt8])]) -> [UInt8] {
    func field(_ text: String, _ width: Int) -> [UInt8] {
        Array((text + String(repeating: " ", count: max(0, width - text.utf8.count))).utf8)
    }
    var out = Array("!<arch>\n".utf8)
    for member in members {
        out += field(member.name, 16) + field("0", 12) + field("0", 6) + field("0", 6) + field("100644", 8)
        out += field(String(member.bytes.count), 10) + Array("`\n".utf8)
        out += member.bytes
        if member.bytes.count % 2 == 1 { out.append(0x0A) }
    }
    return out
}

/// A tar archive of `files` (relative path → contents, written under `./`), compressed per
/// `compression` ("", ".gz", ".xz", ".zst").
func tarArchive(_ files: [String: String], compression: String, in scratch: TemporaryDirectory) throws -> [UInt8] {
    let root = scratch.file("tree-\(UUID().uuidString)")
    for (path, contents) in files {
        let url = URL(fileURLWithPath: "\(root)/\(path)")
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(contents.utf8).write(to: url)
    }
    let flag = ["": [], ".gz": ["-z"], ".xz": ["-J"], ".zst": ["--zstd"]][compression] ?? []
    let output = scratch.file("archive-\(UUID().uuidString).tar\(compression)")
    let result = try runTool(
        ["tar", "--owner=0", "--group=0", "--sort=name", "-C", root, "-c"] + flag + ["-f", output]
            + files.keys.sorted().map { "./\($0)" })
    guard result.status == 0 else { throw FixtureError(message: "tar failed: \(result.stderr)") }
    return try [UInt8](Data(contentsOf: URL(fileURLWithPath: output)))
}

struct FixtureError: Error {
    var message: String
}

/// The control file of the hand-made package.
let fixtureControl = """
    Package: hello-slipway
    Version: 2:1.0-1
    Architecture: amd64
    Maintainer: Slipway Tests <tests@example.org>
    Installed-Size: 12
    Pre-Depends: init-system-helpers (>= 1.54~)
    Depends: libc6 (>= 2.34), default-mta | mail-transport-agent, python3:any
    Provides: hello, greeter (= 1.0)
    Essential: yes
    Description: a greeting
     that spans
     .
     three lines

    """
