// A signed apt repository in a temporary directory, served as file://: hand-made .debs, a Packages
// index and a Release file written here field by field, an InRelease signed by a key made for it.
//
//   <dir>/repo/pool/NAME_VERSION_amd64.deb
//   <dir>/repo/dists/local/main/binary-amd64/Packages
//   <dir>/repo/dists/local/{Release,InRelease}
//   <dir>/key.gpg  <dir>/key.asc            the signing key, binary and armored
import Foundation
import TestSupport

final class LocalRepository {
    struct Package {
        var name: String
        var version = "1.0"
        var depends: String?
    }

    let scratch: TemporaryDirectory
    private let gnupgHome: String
    /// The repository's root: `sourceLine` names it.
    var root: String { scratch.file("repo") }
    var binaryKeyring: String { scratch.file("key.gpg") }
    var armoredKeyring: String { scratch.file("key.asc") }
    /// The source that reads this repository, with `options` (`[signed-by=...]`) when given.
    func sourceLine(options: String = "") -> String {
        "deb \(options.isEmpty ? "" : "[\(options)] ")file://\(root) local main"
    }
    /// The SHA-256 of each package's .deb, by name.
    private(set) var sha256: [String: String] = [:]

    init(_ packages: [Package]) throws {
        scratch = try TemporaryDirectory("slipway-apt-repo")
        gnupgHome = scratch.file("gnupg")
        try FileManager.default.createDirectory(
            atPath: gnupgHome, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let binary = "\(root)/dists/local/main/binary-amd64"
        try FileManager.default.createDirectory(atPath: "\(root)/pool", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: binary, withIntermediateDirectories: true)

        var index = ""
        for package in packages {
            let control =
                "Package: \(package.name)\nVersion: \(package.version)\nArchitecture: amd64\n"
                + "Maintainer: Slipway Tests <tests@example.org>\n"
                + (package.depends.map { "Depends: \($0)\n" } ?? "") + "Description: a local test package\n"
            let deb = arArchive([
                ("debian-binary", Array("2.0\n".utf8)),
                ("control.tar.gz", try tarArchive(["control": control], compression: ".gz", in: scratch)),
                (
                    "data.tar.gz",
                    try tarArchive(
                        ["usr/share/\(package.name)/hello": "hello from \(package.name)\n"], compression: ".gz",
                        in: scratch)
                ),
            ])
            let file = "pool/\(package.name)_\(package.version)_amd64.deb"
            try Data(deb).write(to: URL(fileURLWithPath: "\(root)/\(file)"))
            let digest = try sha256sum("\(root)/\(file)")
            sha256[package.name] = digest
            index += control + "Filename: \(file)\nSize: \(deb.count)\nSHA256: \(digest)\n\n"
        }
        try Data(index.utf8).write(to: URL(fileURLWithPath: "\(binary)/Packages"))

        let release = """
            Origin: slipway-tests
            Suite: local
            Codename: local
            Date: \(Self.rfc2822Now())
            Architectures: amd64
            Components: main
            SHA256:
             \(try sha256sum("\(binary)/Packages")) \(index.utf8.count) main/binary-amd64/Packages

            """
        try Data(release.utf8).write(to: URL(fileURLWithPath: "\(root)/dists/local/Release"))
        try gpg(["--quick-generate-key", "Slipway Tests <tests@example.org>", "ed25519", "sign", "never"])
        try gpg(["--output", binaryKeyring, "--export"])
        try gpg(["--armor", "--output", armoredKeyring, "--export"])
        try gpg(["--output", "\(root)/dists/local/InRelease", "--clearsign", "\(root)/dists/local/Release"])
    }

    deinit {
        // gpg started an agent for this home; it must not outlive the test.
        _ = try? runTool(["gpgconf", "--kill", "gpg-agent"], environment: ["GNUPGHOME": gnupgHome])
    }

    private func gpg(_ arguments: [String]) throws {
        let result = try runTool(
            ["gpg", "--batch", "--quiet", "--pinentry-mode", "loopback", "--passphrase", ""] + arguments,
            environment: ["GNUPGHOME": gnupgHome])
        guard result.status == 0 else {
            throw FixtureError(message: "gpg \(arguments.joined(separator: " ")) failed: \(result.stderr)")
        }
    }

    private static func rfc2822Now() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'UTC'"
        return formatter.string(from: Date())
    }
}
