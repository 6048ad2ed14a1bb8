// The payload file around the manifest:
//
//   slipway-update 1\n
//   manifest LENGTH\n   then LENGTH bytes of manifest text
//   signature ed25519 KEY-ID HEX-SIGNATURE\n      one or more: each signs the manifest's bytes
//   data LENGTH\n       then the zstd frames the manifest lists
//
// Reading it checks the framing and the signatures before anything of the data is used; the data is
// then checked frame by frame against the (signed) manifest's digests.

/// One signature over the manifest.
public struct PayloadSignature: Sendable, Equatable {
    public var keyID: String
    public var signature: [UInt8]

    public init(keyID: String, signature: [UInt8]) {
        self.keyID = keyID
        self.signature = signature
    }
}

/// An opened payload file: the manifest's bytes and signatures, and where its data starts.
public struct Payload {
    public static let magic = "slipway-update 1"
    /// No manifest is this large: 4 GiB of root in 1 MiB chunks is well under 1 MiB of text.
    static let maximumManifestBytes = 16 << 20

    public let file: PosixFile
    public let manifestBytes: [UInt8]
    public let signatures: [PayloadSignature]
    public let dataOffset: UInt64
    public let dataSize: UInt64

    /// The SHA-256 of the manifest: what names a payload in records and messages.
    public var manifestDigest: String { Digest.sha256Hex(manifestBytes) }

    /// Opens `path` and reads its framing; throws naming the file and what is wrong with it.
    public init(path: String) throws(UpdateError) {
        let file = try PosixFile(path: path)
        var offset: UInt64 = 0
        func line(_ what: String) throws(UpdateError) -> Substring {
            let bytes = try file.read(at: offset, count: 256)
            guard let end = bytes.firstIndex(of: 0x0A) else {
                throw UpdateError(
                    path,
                    bytes.count < 256 ? "truncated: it ends inside the \(what) line" : "the \(what) line is too long")
            }
            offset += UInt64(end + 1)
            return Substring(String(decoding: bytes[..<end], as: UTF8.self))
        }
        let start = Array((Self.magic + "\n").utf8)
        guard try file.read(at: 0, count: start.count) == start else {
            throw UpdateError(path, "not a slipway update payload (it does not start with \"\(Self.magic)\")")
        }
        offset = UInt64(start.count)
        let manifestLine = try line("manifest")
        guard manifestLine.hasPrefix("manifest "), let length = Int(manifestLine.dropFirst(9)), length > 0,
            length <= Self.maximumManifestBytes
        else { throw UpdateError(path, "expected \"manifest LENGTH\" on the second line") }
        let manifestBytes = try file.readExactly(at: offset, count: length, what: "the manifest")
        offset += UInt64(length)
        var signatures: [PayloadSignature] = []
        var dataSize: UInt64 = 0
        while true {
            let next = try line("signature or data")
            if next.hasPrefix("data ") {
                guard let size = UInt64(next.dropFirst(5)) else {
                    throw UpdateError(path, "expected \"data LENGTH\" after the signatures")
                }
                dataSize = size
                break
            }
            let parts = next.split(separator: " ")
            guard parts.count == 4, parts[0] == "signature", parts[1] == "ed25519",
                let signature = Hex.decode(parts[3]), signature.count == 64
            else { throw UpdateError(path, "malformed signature line \"\(next)\"") }
            signatures.append(PayloadSignature(keyID: String(parts[2]), signature: signature))
        }
        guard !signatures.isEmpty else { throw UpdateError(path, "the payload is not signed") }
        let size = try file.size()
        guard size == offset + dataSize else {
            throw UpdateError(
                path,
                size < offset + dataSize
                    ? "truncated: \(size) bytes, the framing says \(offset + dataSize) (an interrupted download?)"
                    : "\(size - offset - dataSize) bytes after the end of the data")
        }
        self.file = file
        self.manifestBytes = manifestBytes
        self.signatures = signatures
        self.dataOffset = offset
        self.dataSize = dataSize
    }

    /// The manifest, once a signature by one of `trusted` verifies. Throws naming the signing keys
    /// when none is trusted, or the key whose signature does not match.
    public func verifiedManifest(trusted: [UpdatePublicKey]) throws(UpdateError) -> PayloadManifest {
        var mismatched: [String] = []
        for signature in signatures {
            guard let key = trusted.first(where: { $0.id == signature.keyID }) else { continue }
            if Ed25519.verify(signature: signature.signature, of: manifestBytes, publicKey: key.raw) {
                let manifest = try PayloadManifest(
                    parsing: String(decoding: manifestBytes, as: UTF8.self), source: file.path)
                guard manifest.dataSize == dataSize else {
                    throw UpdateError(
                        file.path, "the data is \(dataSize) bytes, the manifest lists \(manifest.dataSize)")
                }
                return manifest
            }
            mismatched.append(signature.keyID)
        }
        if !mismatched.isEmpty {
            throw UpdateError(
                file.path,
                "bad signature: the signature by trusted key \(mismatched.joined(separator: ", ")) does not match "
                    + "the manifest (the payload was altered after signing)")
        }
        throw UpdateError(
            file.path,
            "untrusted: signed by key \(signatures.map(\.keyID).joined(separator: ", ")), which this system does not "
                + "trust (trusted: \(trusted.isEmpty ? "none; set update.keys in the profile" : trusted.map(\.id).joined(separator: ", ")))"
        )
    }

    /// Frames in data order: kernel, initrd, then each stored chunk (with its index).
    public enum PieceRole: Equatable, Sendable {
        case kernel, initrd
        case chunk(Int)

        var label: String {
            switch self {
            case .kernel: "the kernel"
            case .initrd: "the initrd"
            case .chunk(let index): "root chunk \(index)"
            }
        }
    }

    /// Every stored piece of `manifest` with its offset in the file.
    public func layout(_ manifest: PayloadManifest) -> [(role: PieceRole, piece: PayloadPiece, offset: UInt64)] {
        var offset = dataOffset
        var result: [(role: PieceRole, piece: PayloadPiece, offset: UInt64)] = []
        func add(_ role: PieceRole, _ piece: PayloadPiece) {
            result.append((role, piece, offset))
            offset += UInt64(piece.storedSize)
        }
        add(.kernel, manifest.kernel)
        add(.initrd, manifest.initrd)
        for (index, chunk) in manifest.chunks.enumerated() {
            if let chunk { add(.chunk(index), chunk) }
        }
        return result
    }

    /// Reads one stored frame and checks its digest.
    public func storedFrame(_ role: PieceRole, _ piece: PayloadPiece, at offset: UInt64) throws(UpdateError) -> [UInt8]
    {
        let frame = try file.readExactly(at: offset, count: piece.storedSize, what: role.label)
        guard Digest.sha256Hex(frame) == piece.storedSHA256 else {
            throw UpdateError(
                file.path, "\(role.label) does not match its digest in the signed manifest (tampered or damaged)")
        }
        return frame
    }

    /// Decompresses a checked frame and checks the result's digest.
    public func contents(_ role: PieceRole, _ piece: PayloadPiece, frame: [UInt8]) throws(UpdateError) -> [UInt8] {
        let bytes = try Zstd.decompress(frame, size: piece.size, what: "\(file.path): \(role.label)")
        guard Digest.sha256Hex(bytes) == piece.sha256 else {
            throw UpdateError(file.path, "\(role.label) decompresses to bytes that do not match the signed manifest")
        }
        return bytes
    }

    /// The checked, decompressed contents of one piece of `layout`.
    public func read(_ item: (role: PieceRole, piece: PayloadPiece, offset: UInt64)) throws(UpdateError) -> [UInt8] {
        try contents(item.role, item.piece, frame: try storedFrame(item.role, item.piece, at: item.offset))
    }

    /// Checks every frame's digest without decompressing: the pass that runs before any write.
    public func verifyData(_ manifest: PayloadManifest, progress: (Int, Int) -> Void = { _, _ in }) throws(UpdateError)
    {
        let pieces = layout(manifest)
        for (index, item) in pieces.enumerated() {
            _ = try storedFrame(item.role, item.piece, at: item.offset)
            progress(index + 1, pieces.count)
        }
    }
}
