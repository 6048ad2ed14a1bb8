// Keyring files given to trust: read and recognized before apt sees them, because apt skips a file
// in trusted.gpg.d that it cannot use and then reports only that a repository is not signed.
//
// apt takes a key file named *.gpg holding OpenPGP packets (RFC 9580 section 4.2: the first byte has
// its top bit set, and a public-key packet has tag 6) or one named *.asc holding the same, ASCII-armored.
// GnuPG's own keybox (pubring.kbx, "KBXf" at offset 8) is neither.
import Foundation

extension Apt {
    /// A keyring's bytes and the extension apt needs to read it by ("gpg" or "asc").
    struct Keyring {
        var data: Data
        var fileExtension: String
    }

    /// Checks that `path` is an OpenPGP public keyring apt can use.
    /// - Throws: `PackagesError` naming the file and what is wrong with it.
    public static func checkKeyring(atPath path: String) throws {
        _ = try readKeyring(atPath: path)
    }

    static func readKeyring(atPath path: String) throws -> Keyring {
        func failure(_ message: String) -> PackagesError {
            PackagesError(package: path, operation: "trust keyring", message: message)
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw failure("no such file; give the path of a keyring file (gpg --export KEYID > FILE writes one)")
        }
        guard !isDirectory.boolValue else { throw failure("expected a keyring file, found a directory") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw failure("cannot read the file (check its permissions)")
        }
        let bytes = [UInt8](data.prefix(64))
        if bytes.count >= 12, bytes[8..<12].elementsEqual("KBXf".utf8) {
            throw failure(
                "this is a GnuPG keybox (pubring.kbx), which apt cannot read; export the key with "
                    + "gpg --export KEYID > FILE")
        }
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("-----BEGIN PGP PUBLIC KEY BLOCK-----") { return Keyring(data: data, fileExtension: "asc") }
        if let first = bytes.first, isPublicKeyPacketHeader(first) { return Keyring(data: data, fileExtension: "gpg") }
        throw failure(
            "not an OpenPGP public keyring: expected the binary form (gpg --export KEYID) or the armored form "
                + "(gpg --armor --export KEYID)")
    }

    /// Whether `byte` opens a public-key packet, in the old or the new packet format.
    private static func isPublicKeyPacketHeader(_ byte: UInt8) -> Bool {
        guard byte & 0x80 != 0 else { return false }
        let tag = byte & 0x40 != 0 ? byte & 0x3F : (byte >> 2) & 0x0F
        return tag == 6
    }
}
