// SHA-256 and SHA-512 (FIPS 180-4), written without Foundation so that the executable that runs
// inside images (first-boot verification) does not pull in Foundation's ICU data. Digests of files,
// packages and configs all go through here; tests compare against coreutils' sha256sum/sha512sum.

/// A streaming SHA-2 hash function.
public protocol SHA2Function {
    init()
    mutating func update(_ bytes: UnsafeRawBufferPointer)
    /// The digest of everything given so far. The value must not be updated afterwards.
    mutating func finalize() -> [UInt8]
}

extension SHA2Function {
    public mutating func update<Bytes: Sequence<UInt8>>(_ bytes: Bytes) {
        let array = Array(bytes)
        array.withUnsafeBytes { update($0) }
    }

    /// The digest of `bytes` in one call.
    public static func hash<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> [UInt8] {
        var function = Self()
        function.update(bytes)
        return function.finalize()
    }

    /// The lower-case hexadecimal digest of `bytes`.
    public static func hexDigest<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String { hex(hash(bytes)) }
}

/// Lower-case hexadecimal text of `bytes`.
public func hex<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var text: [UInt8] = []
    for byte in bytes {
        text.append(digits[Int(byte >> 4)])
        text.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: text, as: UTF8.self)
}

/// The block-buffering shared by both widths: collects input into blocks and pads the last one.
struct BlockBuffer {
    let blockSize: Int
    var pending: [UInt8] = []
    var totalBytes: UInt64 = 0

    init(blockSize: Int) {
        self.blockSize = blockSize
        pending.reserveCapacity(blockSize)
    }

    /// Feeds `bytes`, calling `compress` for every complete block.
    mutating func append(_ bytes: UnsafeRawBufferPointer, compress: (UnsafeRawBufferPointer) -> Void) {
        totalBytes &+= UInt64(bytes.count)
        var offset = 0
        if !pending.isEmpty {
            let take = min(blockSize - pending.count, bytes.count)
            pending.append(contentsOf: bytes[0..<take])
            offset = take
            if pending.count == blockSize {
                pending.withUnsafeBytes { compress($0) }
                pending.removeAll(keepingCapacity: true)
            }
        }
        while bytes.count - offset >= blockSize {
            compress(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + blockSize]))
            offset += blockSize
        }
        if offset < bytes.count { pending.append(contentsOf: bytes[offset...]) }
    }

    /// Appends the 0x80 marker, zeros and the big-endian bit length (in `lengthBytes` bytes).
    mutating func pad(lengthBytes: Int, compress: (UnsafeRawBufferPointer) -> Void) {
        let bitLength = totalBytes &* 8
        var tail = pending
        tail.append(0x80)
        while (tail.count + lengthBytes) % blockSize != 0 { tail.append(0) }
        for shift in stride(from: (lengthBytes - 1) * 8, through: 0, by: -8) {
            tail.append(shift >= 64 ? 0 : UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
        }
        tail.withUnsafeBytes { all in
            var offset = 0
            while offset < all.count {
                compress(UnsafeRawBufferPointer(rebasing: all[offset..<offset + blockSize]))
                offset += blockSize
            }
        }
        pending.removeAll()
    }
}
