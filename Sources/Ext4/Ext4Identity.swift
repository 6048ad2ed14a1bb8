import Hashing

/// The identifiers a filesystem would otherwise draw at random, derived from the caller's seed so that
/// the same seed always gives the same image. Each value hashes the seed with its own label, so
/// knowing one does not reveal another.
struct Ext4Identity: Equatable {
    /// The filesystem UUID (RFC 4122 version 4 layout, so tools print it as an ordinary random UUID).
    var uuid: [UInt8]
    /// The seed of the htree directory hash (s_hash_seed).
    var hashSeed: [UInt8]

    init(seed: [UInt8]) {
        uuid = Self.derive("uuid", seed)
        uuid[6] = (uuid[6] & 0x0f) | 0x40
        uuid[8] = (uuid[8] & 0x3f) | 0x80
        hashSeed = Self.derive("directory-hash-seed", seed)
    }

    private static func derive(_ label: String, _ seed: [UInt8]) -> [UInt8] {
        var hash = SHA256()
        hash.update(Array("slipway ext4 \(label)\0".utf8))
        hash.update(seed)
        return Array(hash.finalize().prefix(16))
    }

    /// `uuid` as text: 8-4-4-4-12 lower-case hexadecimal digits.
    var uuidString: String { Self.format(uuid) }

    static func format(_ bytes: [UInt8]) -> String {
        let text = hex(bytes)
        var result = ""
        for (index, character) in text.enumerated() {
            if [8, 12, 16, 20].contains(index) { result.append("-") }
            result.append(character)
        }
        return result
    }
}
