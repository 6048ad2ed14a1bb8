import Testing

@testable import Packages

@Suite struct PackageCacheTests {
    @Test(arguments: [
        (["SLIPWAY_CACHE": "/srv/cache", "XDG_CACHE_HOME": "/x", "HOME": "/home/u"], "/srv/cache"),
        (["SLIPWAY_CACHE": "", "XDG_CACHE_HOME": "/x", "HOME": "/home/u"], "/x/slipway"),
        (["XDG_CACHE_HOME": "relative/cache", "HOME": "/home/u"], "/home/u/.cache/slipway"),
        (["XDG_CACHE_HOME": "", "HOME": "/home/u"], "/home/u/.cache/slipway"),
        (["HOME": "/root"], "/root/.cache/slipway"),
    ])
    func defaultDirectory(environment: [String: String], expected: String) {
        #expect(PackageCache.defaultDirectory(environment: environment) == expected)
    }

    @Test func layout() {
        let cache = PackageCache(directory: "/c")
        let package = ResolvedPackage(
            name: "busybox-static", version: "1:1.35.0-4", architecture: "amd64",
            sha256: String(repeating: "a", count: 64), size: 1, uri: "http://m/b.deb", fileName: "b.deb")
        #expect(cache.path(sha256: package.sha256) == "/c/debs/sha256/\(package.sha256).deb")
        #expect(cache.indexPath(for: package) == "/c/debs/by-name/busybox-static_1%3a1.35.0-4_amd64.deb")
    }

    @Test(arguments: [("1%3a2.0", "1:2.0"), ("a%2", "a%2"), ("%zz", "%zz"), ("plain", "plain"), ("%41%42", "AB")])
    func unquoting(text: String, expected: String) {
        #expect(unquoted(text) == expected)
        #expect(unquoted(quoted(expected)) == expected)
    }
}
