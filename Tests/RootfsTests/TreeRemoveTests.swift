import Rootfs
import TestSupport
import Testing

struct TreeRemoveTests {
    private func tree(_ paths: [String]) throws -> Tree {
        let tree = Tree()
        for path in paths {
            let components = TreePath.components(path)
            if path.hasSuffix("/") {
                try tree.directory(at: components)
            } else {
                try tree.insert(Node(kind: .regular(.empty), metadata: Metadata(permissions: 0o644)), at: components)
            }
        }
        return tree
    }

    private func paths(_ tree: Tree) -> [String] {
        var all: [String] = []
        tree.walk { path, _ in all.append(path) }
        return all
    }

    @Test(arguments: [
        (["/usr/share/doc/**"], ["/", "/usr", "/usr/bin", "/usr/bin/sh", "/usr/share", "/usr/share/doc"]),
        (["/usr/share/doc"], ["/", "/usr", "/usr/bin", "/usr/bin/sh", "/usr/share"]),
        (
            ["/usr/share/*/*.gz"],
            [
                "/", "/usr", "/usr/bin", "/usr/bin/sh", "/usr/share", "/usr/share/doc",
                "/usr/share/doc/a", "/usr/share/doc/a/copyright",
            ]
        ),
        (
            ["/**/copyright"],
            [
                "/", "/usr", "/usr/bin", "/usr/bin/sh", "/usr/share", "/usr/share/doc",
                "/usr/share/doc/a", "/usr/share/doc/changelog.gz",
            ]
        ),
        (
            ["/usr/bin/s?"],
            [
                "/", "/usr", "/usr/bin", "/usr/share", "/usr/share/doc", "/usr/share/doc/a",
                "/usr/share/doc/a/copyright", "/usr/share/doc/changelog.gz",
            ]
        ),
        (
            ["/nothing/here"],
            [
                "/", "/usr", "/usr/bin", "/usr/bin/sh", "/usr/share", "/usr/share/doc",
                "/usr/share/doc/a", "/usr/share/doc/a/copyright", "/usr/share/doc/changelog.gz",
            ]
        ),
    ])
    func removesWhatMatches(patterns: [String], remaining: [String]) throws {
        let tree = try tree(["/usr/bin/sh", "/usr/share/doc/a/copyright", "/usr/share/doc/changelog.gz"])
        tree.remove(matching: patterns)
        #expect(paths(tree) == remaining)
    }
}
