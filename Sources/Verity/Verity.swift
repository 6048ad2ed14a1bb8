// dm-verity's hash tree (the kernel's Documentation/admin-guide/device-mapper/verity.rst, on-disk
// format version 1), written after the data it covers, with no verity superblock:
//
//   | data: N blocks of 4096 bytes | level L-1 | ... | level 1 | level 0 |
//   ^ 0                            ^ hash offset = N × 4096 (the hash start block is N)
//
// Level 0 holds the SHA-256 of every data block, level 1 the digests of level 0's blocks, and so
// on up to a level of one block; each digest is SHA-256(salt ‖ block), 128 digests to a 4096-byte
// hash block, the last block of a level padded with zeros. The levels are stored top first. The
// root hash is SHA-256(salt ‖ the top level's block); with a single data block there are no levels
// and the root hash is that block's digest.
//
// Without a superblock nothing on the disk says how to read the tree: the kernel command line
// carries the root hash, the salt and the data block count (`veritysetup --no-superblock` reads
// the same layout), so every parameter the initrd gives the kernel comes from the boot entry.

/// The hash tree of a file, as `Verity.appendHashTree` wrote it.
public struct VerityTree: Sendable, Equatable {
    /// SHA-256(salt ‖ top hash block): what the kernel checks the tree against.
    public var rootHash: [UInt8]
    public var salt: [UInt8]
    /// How many 4096-byte data blocks the tree covers (the data, padded to a whole block).
    public var dataBlocks: UInt64
    /// Where the tree starts in the file: `dataBlocks × 4096`.
    public var hashOffset: UInt64 { dataBlocks * UInt64(Verity.blockSize) }
    /// The tree's size in bytes (whole hash blocks).
    public var treeSize: UInt64

    public init(rootHash: [UInt8], salt: [UInt8], dataBlocks: UInt64, treeSize: UInt64) {
        self.rootHash = rootHash
        self.salt = salt
        self.dataBlocks = dataBlocks
        self.treeSize = treeSize
    }

    /// Lower-case hexadecimal root hash, as the command line and veritysetup write it.
    public var rootHashHex: String { Verity.hex(rootHash) }
    public var saltHex: String { Verity.hex(salt) }
}

/// Why a hash tree could not be written.
public struct VerityError: Error, CustomStringConvertible {
    public var path: String
    public var operation: String
    public var message: String
    public var description: String { "\(path): \(operation): \(message)" }
}

/// The dm-verity format slipway writes: version 1, SHA-256, 4096-byte data and hash blocks.
public enum Verity {
    public static let blockSize = 4096
    public static let digestSize = 32
    public static let algorithm = "sha256"
    public static let formatVersion = 1
    /// Digests per hash block.
    static let digestsPerBlock = blockSize / digestSize

    /// How many hash blocks each level of the tree over `dataBlocks` blocks has, level 0 first.
    /// The number of levels is the kernel's: the fewest for which one block covers everything.
    public static func levelSizes(dataBlocks: UInt64) -> [UInt64] {
        guard dataBlocks > 1 else { return [] }
        var sizes: [UInt64] = []
        var covered = dataBlocks
        while covered > 1 {
            covered = (covered + UInt64(digestsPerBlock) - 1) / UInt64(digestsPerBlock)
            sizes.append(covered)
        }
        return sizes
    }

    /// The tree's size in bytes for `dataBlocks` blocks of data.
    public static func treeSize(dataBlocks: UInt64) -> UInt64 {
        levelSizes(dataBlocks: dataBlocks).reduce(0, +) * UInt64(blockSize)
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
