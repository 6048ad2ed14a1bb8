import Testing
import Rootfs
import Ext4
import TestSupport

@Suite struct Ext4SmokeTests {
    @Test func smoke() throws {
        let tree = Tree()
        try tree.insert(Node(kind: .regular(.inline(Array("hello\n".utf8))), metadata: Metadata(permissions: 0o644, uid: 1000, gid: 1000, modificationTime: 1_700_000_000)), at: ["etc", "hello"])
        try tree.insert(Node(kind: .symlink(target: "hello"), metadata: Metadata(permissions: 0o777)), at: ["etc", "link"])
        let result = try Ext4Writer.write(tree: tree, to: "/tmp/smoke.img", options: Ext4Options(label: "smoke", seed: [1,2,3], timestamp: 1_700_000_000))
        print(result)
    }
}
