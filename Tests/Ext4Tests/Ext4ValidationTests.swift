import Ext4
import Foundation
import Rootfs
import TestSupport
import Testing

/// Bad trees and options stop the write with an error naming the path and the rule, and leave no file.
struct Ext4ValidationTests {
    enum Case: String, CaseIterable, Sendable {
        case longName, lostAndFoundIsAFile, directoryHardLink, directoryCycle, emptySymlink, hugeSymlink
        case unknownXattrNamespace, hostFileTooShort, hostFileMissing, deviceOutOfRange
        case longLabel, negativeTimestamp, unalignedFixedSize
    }

    static func file(_ bytes: [UInt8] = []) -> Node {
        Node(kind: .regular(.inline(bytes)), metadata: Metadata(permissions: 0o644))
    }

    /// The tree and options of each case, and the error it must give.
    static func scenario(_ which: Case, host: TemporaryDirectory) throws -> (Tree, Ext4Options, Ext4Error) {
        let tree = Tree()
        var options = Ext4Options(seed: [1])
        let plan = "planning the tree"
        func invalid(_ operation: String, _ path: String?, _ rule: String) -> Ext4Error {
            Ext4Error(operation: operation, path: path, reason: .invalid(rule))
        }
        switch which {
        case .longName:
            let name = String(repeating: "x", count: 256)
            try tree.insert(file(), at: ["dir", name])
            return (tree, options, invalid(plan, "/dir/" + name, "the name is 256 bytes long; ext4 allows at most 255"))
        case .lostAndFoundIsAFile:
            try tree.insert(file(), at: ["lost+found"])
            return (
                tree, options,
                invalid(plan, "/lost+found", "must be a directory: e2fsck uses it to reconnect orphaned files")
            )
        case .directoryHardLink, .directoryCycle:
            let directory = Node(kind: .directory, metadata: .directoryDefault)
            try tree.insert(directory, at: ["a"])
            let second = which == .directoryCycle ? ["a", "self"] : ["b"]
            try tree.insert(directory, at: second)
            return (
                tree, options,
                invalid(
                    plan, "/" + second.joined(separator: "/"),
                    "this directory also appears elsewhere in the tree; directories cannot be hard links")
            )
        case .emptySymlink, .hugeSymlink:
            let length = which == .emptySymlink ? 0 : 4096
            try tree.insert(
                Node(
                    kind: .symlink(target: String(repeating: "t", count: length)),
                    metadata: Metadata(permissions: 0o777)),
                at: ["link"])
            return (
                tree, options, invalid(plan, "/link", "symlink target is \(length) bytes; ext4 needs 1 to 4095 bytes")
            )
        case .unknownXattrNamespace:
            let metadata = Metadata(permissions: 0o644, xattrs: [ExtendedAttribute(name: "vendor.key", value: [1])])
            try tree.insert(Node(kind: .regular(.empty), metadata: metadata), at: ["f"])
            return (
                tree, options,
                invalid(
                    plan, "/f", "xattr \"vendor.key\" has no known namespace; use user., trusted., security. or system."
                )
            )
        case .hostFileTooShort:
            let path = host.file("short")
            try Data(repeating: 1, count: 10_000).write(to: URL(fileURLWithPath: path))
            try tree.insert(
                Node(
                    kind: .regular(.file(path: path, offset: 5000, length: 6000)),
                    metadata: Metadata(permissions: 0o644)),
                at: ["usr", "short"])
            return (
                tree, options,
                invalid(
                    "reading \(path)", "/usr/short",
                    "the file ends at byte 10000, before the 6000 bytes from offset 5000 that the tree names")
            )
        case .hostFileMissing:
            let path = host.file("missing")
            try tree.insert(
                Node(kind: .regular(.file(path: path, offset: 0, length: 1)), metadata: Metadata(permissions: 0o644)),
                at: ["gone"])
            return (
                tree, options,
                Ext4Error(
                    operation: "opening \(path)", path: "/gone",
                    reason: .system(errno: ENOENT, message: "No such file or directory"))
            )
        case .deviceOutOfRange:
            try tree.insert(
                Node(kind: .characterDevice(major: 4096, minor: 0), metadata: Metadata(permissions: 0o600)), at: ["dev"]
            )
            return (
                tree, options,
                invalid(
                    "writing a device node", "/dev", "device 4096:0 is out of range (major < 4096, minor < 1048576)")
            )
        case .longLabel:
            options.label = "a-label-of-17-byt"
            return (
                tree, options,
                invalid("checking the options", nil, "label \"a-label-of-17-byt\" is 17 bytes; ext4 allows at most 16")
            )
        case .negativeTimestamp:
            options.timestamp = -1
            return (
                tree, options,
                invalid("checking the options", nil, "timestamp -1 is outside 0...15032385535 (1970 to 2446)")
            )
        case .unalignedFixedSize:
            options.size = .fixed(1_000_000)
            return (
                tree, options,
                invalid("checking the options", nil, "fixed size 1000000 is not a positive multiple of 4096 bytes")
            )
        }
    }

    @Test(arguments: Case.allCases)
    func badInputStopsTheWriteWithAClearError(which: Case) throws {
        let scratch = try TemporaryDirectory("ext4-invalid")
        let (tree, options, expected) = try Self.scenario(which, host: scratch)
        let image = scratch.file("out.img")
        let error = #expect(throws: Ext4Error.self) {
            try Ext4Writer.write(tree: tree, to: image, options: options)
        }
        #expect(error == expected)
        #expect(!FileManager.default.fileExists(atPath: image), "a failed write leaves no partial image")
    }
}
