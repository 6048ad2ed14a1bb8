// A comparable listing of a directory tree: path, type, permission bits, owner, contents or link
// target. Used to compare the reference's result with ours.
import Foundation

struct TreeSnapshot: Equatable, CustomStringConvertible {
    struct Entry: Equatable {
        var type: String
        var mode: Int
        var owner: String
        var content: Data?
        var target: String?
    }

    var entries: [String: Entry] = [:]

    /// Paths the reference writes for its own bookkeeping, not part of the result.
    static let bookkeeping: Set<String> = [
        "etc/selinux", "etc/selinux/config", "etc/.ignition-result.json", "etc/.pwd.lock",
    ]

    init(_ root: String) throws {
        let fileManager = FileManager.default
        guard let enumerator = fileManager.enumerator(atPath: root) else { return }
        while let relative = enumerator.nextObject() as? String {
            // Backups shadow's tools leave (/etc/passwd- and friends) are bookkeeping too.
            if TreeSnapshot.bookkeeping.contains(relative)
                || (relative.hasPrefix("etc/") && !relative.dropFirst(4).contains("/") && relative.hasSuffix("-"))
            {
                continue
            }
            let full = root + "/" + relative
            let attributes = try fileManager.attributesOfItem(atPath: full)
            let type = attributes[.type] as? FileAttributeType
            var entry = Entry(
                type: type == .typeDirectory ? "dir" : type == .typeSymbolicLink ? "link" : "file",
                mode: (attributes[.posixPermissions] as? Int) ?? -1,
                owner: "\(attributes[.ownerAccountID] ?? -1):\(attributes[.groupOwnerAccountID] ?? -1)")
            switch entry.type {
            case "link":
                entry.target = try fileManager.destinationOfSymbolicLink(atPath: full)
                entry.mode = 0o777
            case "file": entry.content = try Data(contentsOf: URL(fileURLWithPath: full))
            default: break
            }
            entries[relative] = entry
        }
    }

    /// The differences to `other`, one line per path.
    func differences(to other: TreeSnapshot) -> [String] {
        let paths = Set(entries.keys).union(other.entries.keys).sorted()
        return paths.compactMap { path in
            let mine = entries[path]
            let theirs = other.entries[path]
            guard mine != theirs else { return nil }
            return "\(path): \(TreeSnapshot.describe(mine)) vs \(TreeSnapshot.describe(theirs))"
        }
    }

    static func describe(_ entry: Entry?) -> String {
        guard let entry else { return "missing" }
        var text = "\(entry.type) \(String(entry.mode, radix: 8)) \(entry.owner)"
        if let target = entry.target { text += " -> \(target)" }
        if let content = entry.content {
            text += " \(content.count) bytes \"\(String(decoding: content.prefix(40), as: UTF8.self))\""
        }
        return text
    }

    var description: String {
        entries.keys.sorted().map { "\($0) \(TreeSnapshot.describe(entries[$0]))" }.joined(separator: "\n")
    }
}
