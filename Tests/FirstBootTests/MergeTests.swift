// Ignition's merge rules on the config model.
import FirstBoot
import Testing

@Suite struct MergeTests {
    static func config(_ text: String) throws -> Config {
        try #require(ConfigParser.parse(Array(text.utf8)).config)
    }

    @Test func childFieldsWinAndListsMergeByKey() throws {
        let parent = try MergeTests.config(
            #"{"ignition":{"version":"3.0.0"},"storage":{"files":[{"path":"/a","mode":420,"contents":{"source":"data:,p"}},{"path":"/b"}],"links":[{"path":"/c","target":"/a"}]},"passwd":{"users":[{"name":"u","sshAuthorizedKeys":["k1"],"groups":["g"]}]}}"#
        )
        let child = try MergeTests.config(
            #"{"ignition":{"version":"3.3.0"},"storage":{"files":[{"path":"/a","contents":{"source":"data:,c"}},{"path":"/c"}]},"passwd":{"users":[{"name":"u","sshAuthorizedKeys":["k2","k1"],"shell":"/bin/sh"}]},"kernelArguments":{"shouldExist":["x"]}}"#
        )
        let merged = parent.merged(with: child)
        #expect(merged.ignition.version == "3.3.0")
        #expect(merged.storage.files.map(\.path) == ["/a", "/b", "/c"])
        #expect(merged.storage.files[0].mode == 420)
        #expect(merged.storage.files[0].contents.source == "data:,c")
        // A child file replaces the parent's link at the same path.
        #expect(merged.storage.links.isEmpty)
        #expect(merged.passwd.users[0].sshAuthorizedKeys == ["k1", "k2"])
        #expect(merged.passwd.users[0].groups == ["g"])
        #expect(merged.passwd.users[0].shell == "/bin/sh")
        #expect(merged.kernelArguments.shouldExist == ["x"])
    }

    @Test func headersWithoutValueRemoveTheParentHeader() throws {
        var parent = Resource(source: "http://example.com/a")
        parent.httpHeaders = [HTTPHeader(name: "A", value: "1"), HTTPHeader(name: "B", value: "2")]
        var child = Resource()
        child.httpHeaders = [
            HTTPHeader(name: "A", value: nil), HTTPHeader(name: "B", value: "3"), HTTPHeader(name: "C", value: "4"),
        ]
        var p = Config()
        p.ignition.version = "3.3.0"
        p.ignition.security.tls.certificateAuthorities = [parent]
        var c = Config()
        c.ignition.version = "3.3.0"
        child.source = "http://example.com/a"
        c.ignition.security.tls.certificateAuthorities = [child]
        let merged = p.merged(with: c).ignition.security.tls.certificateAuthorities[0].httpHeaders
        #expect(merged == [HTTPHeader(name: "B", value: "3"), HTTPHeader(name: "C", value: "4")])
    }

    @Test func kernelArgumentsShareOneKeySpace() throws {
        let parent = try MergeTests.config(
            #"{"ignition":{"version":"3.3.0"},"kernelArguments":{"shouldExist":["a","b"]}}"#)
        let child = try MergeTests.config(
            #"{"ignition":{"version":"3.3.0"},"kernelArguments":{"shouldNotExist":["a"]}}"#)
        let merged = parent.merged(with: child).kernelArguments
        #expect(merged.shouldExist == ["b"])
        #expect(merged.shouldNotExist == ["a"])
    }
}
