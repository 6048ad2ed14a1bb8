// Ed25519 public keys as PEM files ("-----BEGIN PUBLIC KEY-----": a DER SubjectPublicKeyInfo, the
// form `openssl pkey -pubout` writes), and the short key ID that payloads and messages name.
import FirstBoot

/// A trusted (or signing) Ed25519 public key.
public struct UpdatePublicKey: Sendable, Equatable {
    /// The 32 raw key bytes.
    public var raw: [UInt8]

    /// SubjectPublicKeyInfo for id-Ed25519 (1.3.101.112), followed by the 32 key bytes.
    static let spkiPrefix: [UInt8] = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]

    public init(raw: [UInt8]) {
        precondition(raw.count == 32, "an Ed25519 public key has 32 bytes")
        self.raw = raw
    }

    /// The first 16 hex digits of the SHA-256 of the raw key.
    public var id: String { String(Digest.sha256Hex(raw).prefix(16)) }

    /// The PEM text of the key.
    public var pem: String { PEM.encode(label: "PUBLIC KEY", der: Self.spkiPrefix + raw) }

    /// Every key of a PEM text holding one or more "PUBLIC KEY" blocks; `source` names it in errors.
    public static func parseAll(pem text: String, source: String) throws(UpdateError) -> [UpdatePublicKey] {
        let blocks = try PEM.blocks(in: text, source: source)
        guard !blocks.isEmpty else { throw UpdateError(source, "no PEM block (expected \"BEGIN PUBLIC KEY\")") }
        var keys: [UpdatePublicKey] = []
        for (index, block) in blocks.enumerated() {
            let place = blocks.count == 1 ? source : "\(source) (key \(index + 1))"
            guard block.label == "PUBLIC KEY" else {
                throw UpdateError(place, "a \(block.label) block where a PUBLIC KEY was expected")
            }
            guard block.der.count == 44, Array(block.der.prefix(12)) == spkiPrefix else {
                throw UpdateError(place, "not an Ed25519 public key (make one with `slipway keys generate DIR`)")
            }
            keys.append(UpdatePublicKey(raw: Array(block.der.suffix(32))))
        }
        return keys
    }
}

/// PEM armour: base64 between BEGIN and END lines.
public enum PEM {
    public struct Block: Sendable {
        public var label: String
        public var der: [UInt8]
    }

    public static func encode(label: String, der: [UInt8]) -> String {
        let base64 = Array(Base64.encode(der).utf8)
        var lines: [String] = []
        var start = 0
        while start < base64.count {
            lines.append(String(decoding: base64[start..<min(start + 64, base64.count)], as: UTF8.self))
            start += 64
        }
        return "-----BEGIN \(label)-----\n" + lines.joined(separator: "\n") + "\n-----END \(label)-----\n"
    }

    public static func blocks(in text: String, source: String) throws(UpdateError) -> [Block] {
        var blocks: [Block] = []
        var label: String?
        var body = ""
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if let current = label {
                if line == "-----END \(current)-----" {
                    guard let der = Base64.decode(Array(body.utf8)) else {
                        throw UpdateError("\(source):\(number + 1)", "the \(current) block is not valid base64")
                    }
                    blocks.append(Block(label: current, der: der))
                    label = nil
                    body = ""
                } else {
                    body += line.filter { $0 != " " && $0 != "\t" }
                }
            } else if line.hasPrefix("-----BEGIN "), line.hasSuffix("-----") {
                label = String(line.dropFirst(11).dropLast(5))
            }
        }
        if let label { throw UpdateError(source, "the \(label) block has no END line") }
        return blocks
    }
}
