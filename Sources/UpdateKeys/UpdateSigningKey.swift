// Update signing keys: Ed25519 through swift-crypto, stored as the PEM files OpenSSL reads and
// writes (`openssl pkey -in update.key -pubout` gives update.pub):
//
//   update.key  "PRIVATE KEY": PKCS#8 of the 32-byte seed, mode 0600
//   update.pub  "PUBLIC KEY": SubjectPublicKeyInfo of the 32-byte public key
//
// Ed25519 signatures are deterministic, so a rebuilt payload is byte-identical.
import Crypto
import Glibc
public import Update

public struct UpdateSigningKey {
    /// PKCS#8 PrivateKeyInfo for id-Ed25519 wrapping a 32-byte OCTET STRING seed.
    static let pkcs8Prefix: [UInt8] = [
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
    ]

    let key: Curve25519.Signing.PrivateKey

    /// A new random key.
    public static func generate() -> UpdateSigningKey { UpdateSigningKey(key: Curve25519.Signing.PrivateKey()) }

    /// Reads a private key PEM file; throws naming the file and what is wrong.
    public init(pemFile path: String) throws(UpdateError) {
        let file = try PosixFile(path: path)
        let bytes = try file.read(at: 0, count: Int(min(try file.size(), 1 << 16)))
        let blocks = try PEM.blocks(in: String(decoding: bytes, as: UTF8.self), source: path)
        guard let block = blocks.first, blocks.count == 1, block.label == "PRIVATE KEY" else {
            throw UpdateError(path, "expected one \"PRIVATE KEY\" PEM block (made by `slipway keys generate DIR`)")
        }
        guard block.der.count == 48, Array(block.der.prefix(16)) == Self.pkcs8Prefix,
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: block.der.suffix(32))
        else { throw UpdateError(path, "not an Ed25519 private key") }
        self.key = key
    }

    init(key: Curve25519.Signing.PrivateKey) { self.key = key }

    public var publicKey: UpdatePublicKey { UpdatePublicKey(raw: Array(key.publicKey.rawRepresentation)) }

    public var pem: String { PEM.encode(label: "PRIVATE KEY", der: Self.pkcs8Prefix + Array(key.rawRepresentation)) }

    /// The signature of `message`, with this key's ID.
    public func sign(_ message: [UInt8]) throws -> PayloadSignature {
        PayloadSignature(keyID: publicKey.id, signature: Array(try key.signature(for: message)))
    }

    /// Writes `DIR/update.key` (0600) and `DIR/update.pub`, refusing to replace existing keys.
    public func write(toDirectory directory: String) throws(UpdateError) -> (key: String, pub: String) {
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw UpdateError(directory, "cannot create the directory: \(String(cString: strerror(errno)))")
        }
        // Said here: the first file written would name its temporary name instead.
        var status = stat()
        if stat(directory, &status) == 0, status.st_mode & S_IFMT != S_IFDIR {
            throw UpdateError(directory, "is a file, not a directory; name a directory for the keys")
        }
        if access(directory, W_OK | X_OK) != 0 {
            throw UpdateError(directory, "cannot write into the directory: \(String(cString: strerror(errno)))")
        }
        let keyPath = directory + "/update.key", pubPath = directory + "/update.pub"
        for path in [keyPath, pubPath] where access(path, F_OK) == 0 {
            throw UpdateError(path, "already exists; keys are never overwritten (move it away first)")
        }
        // Beside the targets and renamed into place, so a crash leaves no half key.
        try PosixFile.replace(keyPath, with: Array(pem.utf8), mode: 0o600)
        try PosixFile.replace(pubPath, with: Array(publicKey.pem.utf8), mode: 0o644)
        return (keyPath, pubPath)
    }
}
