// Changing files of a FAT filesystem inside an image file with mtools, without mounting: offline
// `slipway update apply` writes a slot's kernel, initrd and boot entry this way.
import Foundation

public enum ESPWriter {
    /// Creates or replaces `path` (e.g. "slipway-b/vmlinuz") with `bytes`, creating its directory.
    public static func write(image: String, offset: UInt64 = 0, path: String, bytes: [UInt8]) throws {
        let parts = path.split(separator: "/")
        if parts.count > 1 {
            var directory = ""
            for part in parts.dropLast() {
                directory += "/" + part
                let listed = try ESPReader.list(image: image, offset: offset, directory: String(directory.dropFirst()))
                if listed == nil {
                    try ExternalTool.mmd.check(["-i", ESPReader.volume(image, offset), "::" + directory])
                }
            }
        }
        let source = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-esp-\(UUID().uuidString)")
        try Data(bytes).write(to: source)
        defer { try? FileManager.default.removeItem(at: source) }
        try ExternalTool.mcopy.check([
            "-i", ESPReader.volume(image, offset), "-o", "-m", source.path, "::/" + parts.joined(separator: "/"),
        ])
    }

    /// Renames `from` to `to` (in the same directory), replacing `to`.
    public static func rename(image: String, offset: UInt64 = 0, from: String, to: String) throws {
        try remove(image: image, offset: offset, path: to)
        let name = to.split(separator: "/").last.map(String.init) ?? to
        try ExternalTool.mren.check(["-i", ESPReader.volume(image, offset), "::/" + from, name])
    }

    /// Removes `path`; nothing when it does not exist.
    public static func remove(image: String, offset: UInt64 = 0, path: String) throws {
        let output = try ExternalTool.mdel.run(["-i", ESPReader.volume(image, offset), "::/" + path])
        if output.status != 0 && !output.stderr.contains("not found") {
            throw ExternalTool.mdel.failure(["-i", ESPReader.volume(image, offset), "::/" + path], output)
        }
    }
}
