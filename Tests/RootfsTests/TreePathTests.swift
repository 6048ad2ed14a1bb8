import Rootfs
import TestSupport
import Testing

/// The rule for untrusted names: each violation is its own error.
@Suite struct TreePathTests {
    @Test(arguments: [
        ("etc/passwd", ["etc", "passwd"]),
        ("./etc/passwd", ["etc", "passwd"]),
        ("./usr//bin/", ["usr", "bin"]),
        ("a/./b", ["a", "b"]),
        (".", []),
        ("./", []),
        ("..a/b..", ["..a", "b.."]),
        ("...", ["..."]),
        (".wh.x", [".wh.x"]),
        ("caf\u{e9}", ["caf\u{e9}"]),
    ])
    func acceptsRelativeNames(raw: String, components: [String]) throws {
        #expect(try TreePath.validated(raw, layer: "l") == components)
    }

    @Test(arguments: [
        ("", RootfsError.Rule.emptyPath),
        ("a\u{0}b", .nulInPath),
        ("/etc/passwd", .absolutePath),
        ("//etc", .absolutePath),
        ("..", .parentReference),
        ("../x", .parentReference),
        ("./../x", .parentReference),
        ("a/../../x", .parentReference),
        ("a/../b", .parentReference),
        ("a/..", .parentReference),
        (String(repeating: "n", count: 256), .componentTooLong(bytes: 256)),
        ("a/" + String(repeating: "\u{e9}", count: 128), .componentTooLong(bytes: 256)),
        (String(repeating: "abcdefg/", count: 513), .pathTooLong(bytes: 4104)),
    ])
    func rejectsEachRuleWithItsOwnError(raw: String, rule: RootfsError.Rule) {
        #expect(throws: RootfsError(layer: "base.tar.gz", entry: raw, rule: rule)) {
            try TreePath.validated(raw, layer: "base.tar.gz")
        }
    }

    @Test func componentsOfExactlyTheLimitsPass() throws {
        let name = String(repeating: "n", count: 255)
        #expect(try TreePath.validated(name, layer: "l") == [name])
        let path = String(repeating: "abcdefg/", count: 512)
        #expect(try TreePath.validated(path, layer: "l").count == 512)
    }

    @Test func messagesNameLayerEntryAndRule() {
        let error = RootfsError(layer: "base.tar.gz", entry: "../etc/passwd", rule: .parentReference)
        #expect(error.description == #"layer base.tar.gz: entry "../etc/passwd": ".." is not allowed in layer paths"#)
        let hostile = RootfsError(layer: "l", entry: "a\n\u{1b}[2Jb\"", rule: .emptyPath)
        #expect(hostile.description == #"layer l: entry "a\n\u{1b}[2Jb\"": empty names are not allowed in layer paths"#)
    }
}
