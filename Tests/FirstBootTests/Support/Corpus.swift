// The checked-in config corpus and the roots its apply tests start from.
import Foundation
import TestSupport

enum Corpus {
    static let directory = packageRoot().appendingPathComponent("Tests/FirstBootTests/Corpus")
    static let applyDirectory = directory.appendingPathComponent("apply")

    /// Names of the `.ign` files in `directory`, sorted.
    static func configs(in directory: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".ign") }.sorted()
    }

    static var validationConfigs: [String] { configs(in: directory) }
    static var applyConfigs: [String] { configs(in: applyDirectory).map { String($0.dropLast(4)) } }

    static func bytes(_ url: URL) throws -> [UInt8] { Array(try Data(contentsOf: url)) }

    /// Creates a root for an apply test: an SELinux config (the reference requires one), a copy
    /// of this machine's account files for "debian" roots, and the nodes listed in NAME.setup.json.
    static func makeRoot(_ root: String, setupFor name: String) throws {
        let fileManager = FileManager.default
        try fileManager.createDirectory(atPath: root + "/etc/selinux", withIntermediateDirectories: true)
        try Data("SELINUX=disabled\nSELINUXTYPE=targeted\n".utf8).write(
            to: URL(fileURLWithPath: root + "/etc/selinux/config"))
        try fileManager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root)
        let setupURL = applyDirectory.appendingPathComponent(name + ".setup.json")
        guard let setupData = try? Data(contentsOf: setupURL),
            let setup = try JSONSerialization.jsonObject(with: setupData) as? [String: Any]
        else { return }
        if setup["root"] as? String == "debian" {
            try fileManager.createDirectory(atPath: root + "/etc/default", withIntermediateDirectories: true)
            try fileManager.createDirectory(atPath: root + "/home", withIntermediateDirectories: true)
            for file in ["passwd", "group", "shadow", "gshadow", "login.defs", "subuid", "subgid"] {
                try fileManager.copyItem(atPath: "/etc/" + file, toPath: root + "/etc/" + file)
            }
            try fileManager.copyItem(atPath: "/etc/default/useradd", toPath: root + "/etc/default/useradd")
            try fileManager.copyItem(atPath: "/etc/skel", toPath: root + "/etc/skel")
        }
        for node in setup["nodes"] as? [[String: Any]] ?? [] {
            guard let path = node["path"] as? String, let type = node["type"] as? String else { continue }
            let full = root + path
            try fileManager.createDirectory(
                atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            switch type {
            case "file": try Data((node["contents"] as? String ?? "").utf8).write(to: URL(fileURLWithPath: full))
            case "dir": try fileManager.createDirectory(atPath: full, withIntermediateDirectories: true)
            default:
                try fileManager.createSymbolicLink(atPath: full, withDestinationPath: node["target"] as? String ?? "")
            }
            if type != "link" {
                let mode = node["mode"] as? Int ?? (type == "file" ? 0o644 : 0o755)
                try fileManager.setAttributes([.posixPermissions: mode], ofItemAtPath: full)
            }
            try runTool(["chown", "-h", "\(node["uid"] as? Int ?? 0):\(node["gid"] as? Int ?? 0)", full])
        }
    }
}
