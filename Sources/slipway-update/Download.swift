// `slipway-update apply URL`: the payload is downloaded to STATE first (/state/.slipway/update,
// beside its final name and renamed into place once complete) and applied from there, so a slow or
// broken connection never meets the disk writes. https:// servers are verified against the
// system's bundle (/etc/ssl/certs/ca-certificates.crt, built from Debian's ca-certificates).
import BootSlots
import FirstBoot
import Glibc
import TLS
import Update

enum Download {
    static let bundle = "/etc/ssl/certs/ca-certificates.crt"
    static let directory = SlotRecord.directory

    static func isURL(_ text: String) -> Bool { text.hasPrefix("http://") || text.hasPrefix("https://") }

    /// Downloads `url` to STATE; returns the file's path.
    static func fetch(_ url: String, progress: (String) -> Void) throws(UpdateError) -> String {
        let client = HTTPClient(
            responseHeaderTimeout: 30, maximumBodySize: 8 << 30, trust: TLSTrust(system: .bundle(path: bundle)))
        progress("downloading \(url)")
        let response: HTTPResponse
        do {
            response = try client.send(HTTPRequest(url: url))
        } catch {
            throw UpdateError(url, "download failed: \(error)")
        }
        guard response.status == 200 else { throw UpdateError(url, "the server answered HTTP \(response.status)") }
        try PosixFile.makeDirectories(directory)
        let path = directory + "/download.update"
        try PosixFile.replace(path, with: response.body, mode: 0o600)
        progress("downloaded \(response.body.count >> 20) MiB to \(path)")
        return path
    }
}
