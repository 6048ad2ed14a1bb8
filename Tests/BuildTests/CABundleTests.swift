import Foundation
import Rootfs
import TestSupport
import Testing

@testable import Build

/// The certificate bundle update-ca-certificates would have built, checked with OpenSSL.
struct CABundleTests {
    static func certificate(_ name: String, in directory: TemporaryDirectory) throws -> [UInt8] {
        let made = try runTool([
            "openssl", "req", "-x509", "-newkey", "ed25519", "-nodes", "-subj", "/CN=\(name)", "-days", "1",
            "-keyout", directory.file("\(name).key"), "-out", directory.file("\(name).crt"),
        ])
        #expect(made.status == 0, "\(made.stderr)")
        return Array(try Data(contentsOf: URL(fileURLWithPath: directory.file("\(name).crt"))))
    }

    @Test func concatenatesTheShippedCertificatesInPathOrder() throws {
        let directory = try TemporaryDirectory()
        let tree = Tree()
        let metadata = Metadata(permissions: 0o644)
        for name in ["b-root", "a-root"] {
            try tree.insert(
                Node(kind: .regular(.inline(try Self.certificate(name, in: directory))), metadata: metadata),
                at: ["usr", "share", "ca-certificates", "mozilla", "\(name).crt"])
        }
        try tree.insert(
            Node(kind: .regular(.inline(Array("not a certificate".utf8))), metadata: metadata),
            at: ["usr", "share", "ca-certificates", "README"])
        #expect(try CABundle.install(into: tree, timestamp: 7) == 2)
        guard case .regular(.inline(let bundle)) = tree.node(at: CABundle.bundle)?.kind else {
            Issue.record("no bundle")
            return
        }
        try Data(bundle).write(to: URL(fileURLWithPath: directory.file("bundle.crt")))
        // OpenSSL reads both certificates back, a-root first.
        let subjects = try runTool([
            "sh", "-c",
            "openssl crl2pkcs7 -nocrl -certfile '\(directory.file("bundle.crt"))' | openssl pkcs7 -print_certs -noout",
        ])
        let names = subjects.stdout.split(separator: "\n").filter { $0.hasPrefix("subject=") }
        #expect(names == ["subject=CN = a-root", "subject=CN = b-root"], "\(subjects.stdout)")
    }

    @Test func keepsABundleTheRootAlreadyHasAndSkipsRootsWithoutCertificates() throws {
        let tree = Tree()
        #expect(try CABundle.install(into: tree, timestamp: 0) == 0)
        #expect(tree.node(at: CABundle.bundle) == nil)
        let mine = Node(kind: .regular(.inline(Array("mine".utf8))), metadata: Metadata(permissions: 0o644))
        try tree.insert(mine, at: TreePath.components(CABundle.bundle))
        try tree.insert(Node(kind: .directory, metadata: .directoryDefault), at: ["usr", "share", "ca-certificates"])
        #expect(try CABundle.install(into: tree, timestamp: 0) == 0)
        guard case .regular(.inline(let bytes)) = tree.node(at: CABundle.bundle)?.kind else { return }
        #expect(bytes == Array("mine".utf8))
    }
}
