// The image's embedded default first-boot config (`firstboot.config` in the profile): checked at
// build time with the same validator the image runs, Butane YAML rendered to Ignition JSON, and
// written where slipway-initrd looks last (after fw_cfg, OEM, the kernel command line and cloud
// metadata).
import Butane
import FirstBoot
import Foundation
import Profile
import Rootfs

enum FirstbootDefault {
    static let path = ["usr", "lib", "slipway", "firstboot", "default.ign"]

    static func install(_ firstboot: Profile.Firstboot, into tree: Tree, timestamp: Int64) throws {
        guard let config = firstboot.config else { return }
        let file = config.value.absolute
        guard let data = FileManager.default.contents(atPath: file) else {
            throw BuildError(
                operation: "read the first-boot config", path: config.value.written, message: "cannot read it")
        }
        let json: [UInt8]
        switch firstboot.configFormat {
        case .butane:
            do {
                let rendered = try ButaneRenderer.render(
                    String(decoding: data, as: UTF8.self),
                    filesDirectory: URL(fileURLWithPath: file).deletingLastPathComponent().path)
                json = Array(rendered.json.utf8)
            } catch {
                throw BuildError(
                    operation: "render the first-boot config", path: config.value.written, message: "\(error)")
            }
        default:
            json = Array(data)
        }
        do {
            _ = try ConfigParser.parseValid(json, source: config.value.written)
        } catch {
            throw BuildError(
                operation: "validate the first-boot config", path: config.value.written, message: "\(error)")
        }
        let node = Node(
            kind: .regular(.inline(json)), metadata: Metadata(permissions: 0o644, modificationTime: timestamp))
        try tree.insert(node, at: path)
    }
}
