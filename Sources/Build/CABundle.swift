// The system's certificate bundle, which Debian's ca-certificates builds in its postinst
// (update-ca-certificates) and no maintainer script runs here to build: every certificate the
// package ships under /usr/share/ca-certificates, in path order, concatenated into
// /etc/ssl/certs/ca-certificates.crt. `slipway-update apply https://...` verifies servers against it,
// as do the first boot's https:// fetches and TLS clients such as `docker pull`. A root that already
// has the bundle (a layer put one there) keeps it.
import Rootfs

enum CABundle {
    static let certificates = "usr/share/ca-certificates"
    static let bundle = "etc/ssl/certs/ca-certificates.crt"

    /// Writes the bundle into `tree`; returns how many certificates it holds (0: nothing to do).
    @discardableResult
    static func install(into tree: Tree, timestamp: Int64) throws -> Int {
        guard tree.node(at: bundle) == nil, let shipped = tree.node(at: certificates), shipped.isDirectory else {
            return 0
        }
        var pem: [UInt8] = []
        var count = 0
        try tree.walk { path, node in
            guard path.hasPrefix("/" + certificates + "/"), path.hasSuffix(".crt"),
                case .regular(let content) = node.kind
            else { return }
            var bytes = try content.readBytes(limit: 1 << 20)
            if bytes.last != 0x0A { bytes.append(0x0A) }
            pem += bytes
            count += 1
        }
        guard count > 0 else { return 0 }
        try tree.insert(
            Node(kind: .regular(.inline(pem)), metadata: Metadata(permissions: 0o644, modificationTime: timestamp)),
            at: TreePath.components(bundle), parentMetadata: Metadata(permissions: 0o755, modificationTime: timestamp))
        return count
    }
}
