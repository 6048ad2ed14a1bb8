// Writing the tree: level 0 from the data, each higher level from the one below, then the levels
// top first after the data. The whole tree is built in memory (8 MiB per GiB of data).
//
// Root filesystem images are sparse and mostly zeros. Holes are found with SEEK_DATA/SEEK_HOLE and
// never read: a zero block's digest is computed once. A hash block equal to the one before it (the
// runs of zero-block digests that holes leave) reuses that block's digest. Level 0 is hashed on
// every core, one 1 MiB chunk per job; the output does not depend on the order.
import COpenSSL
import Dispatch
import Glibc

extension Verity {
    /// Pads the file at `path` with zeros to a whole number of blocks and appends the hash tree of
    /// its contents with `salt`. Returns the tree; the file's size is then `hashOffset + treeSize`.
    public static func appendHashTree(toFile path: String, salt: [UInt8]) throws -> VerityTree {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw failure(path, "open") }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw failure(path, "stat") }
        let size = UInt64(status.st_size)
        guard size > 0 else {
            throw VerityError(path: path, operation: "hash", message: "the file is empty; there is nothing to verify")
        }
        let dataBlocks = (size + UInt64(blockSize) - 1) / UInt64(blockSize)
        if dataBlocks * UInt64(blockSize) != size {
            guard ftruncate(fd, off_t(dataBlocks * UInt64(blockSize))) == 0 else {
                throw failure(path, "pad to a whole block")
            }
        }
        let hasher = BlockHasher(salt: salt)
        var levels = [try hashData(fd: fd, path: path, dataBlocks: dataBlocks, salt: salt)]
        let sizes = levelSizes(dataBlocks: dataBlocks)
        for _ in sizes.dropFirst() {
            levels.append(try hashLevel(levels[levels.count - 1], hasher: hasher))
        }
        // One data block: no levels, its own digest is the root hash.
        let root: [UInt8]
        if sizes.isEmpty {
            root = Array(levels[0].prefix(digestSize))
            levels = []
        } else {
            root = try hashLevel(levels[levels.count - 1], hasher: hasher).prefix(digestSize).map { $0 }
        }
        var offset = dataBlocks * UInt64(blockSize)
        for level in levels.reversed() {
            try writeAll(fd: fd, level, at: offset, path: path)
            offset += UInt64(level.count)
        }
        return VerityTree(
            rootHash: root, salt: salt, dataBlocks: dataBlocks, treeSize: offset - dataBlocks * UInt64(blockSize))
    }

    /// Level 0: the digest of every data block, packed into hash blocks.
    private static func hashData(fd: Int32, path: String, dataBlocks: UInt64, salt: [UInt8]) throws -> [UInt8] {
        let extents = try dataExtents(fd: fd, path: path, end: dataBlocks * UInt64(blockSize))
        let levelBytes = Int((dataBlocks + UInt64(digestsPerBlock) - 1) / UInt64(digestsPerBlock)) * blockSize
        var level = [UInt8](repeating: 0, count: levelBytes)
        let zeroDigest = try BlockHasher(salt: salt).digest(of: [UInt8](repeating: 0, count: blockSize)[...])
        let chunkBlocks = 256
        let chunks = Int((dataBlocks + UInt64(chunkBlocks) - 1) / UInt64(chunkBlocks))
        let failed = FailureBox()
        level.withUnsafeMutableBytes { output in
            let output = SendableBuffer(base: output)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let first = UInt64(chunk * chunkBlocks)
                let count = Int(min(UInt64(chunkBlocks), dataBlocks - first))
                let start = first * UInt64(blockSize), end = start + UInt64(count * blockSize)
                let hasData = extents.contains { $0.start < end && $0.end > start }
                let hasher = BlockHasher(salt: salt)
                do {
                    var buffer = [UInt8](repeating: 0, count: hasData ? count * blockSize : 0)
                    if hasData { try readAll(fd: fd, &buffer, at: start, path: path) }
                    for index in 0..<count {
                        var digest = zeroDigest
                        if hasData {
                            let block = buffer[(index * blockSize)..<((index + 1) * blockSize)]
                            if block.contains(where: { $0 != 0 }) { digest = try hasher.digest(of: block) }
                        }
                        output.store(digest, at: (Int(first) + index) * digestSize)
                    }
                } catch {
                    failed.set(error)
                }
            }
        }
        if let error = failed.error { throw error }
        return level
    }

    /// The level above `level`: the digest of each of its blocks, packed into hash blocks.
    private static func hashLevel(_ level: [UInt8], hasher: BlockHasher) throws -> [UInt8] {
        let blocks = level.count / blockSize
        var above = [UInt8](repeating: 0, count: (blocks + digestsPerBlock - 1) / digestsPerBlock * blockSize)
        var previous: (block: ArraySlice<UInt8>, digest: [UInt8])?
        for index in 0..<blocks {
            let block = level[(index * blockSize)..<((index + 1) * blockSize)]
            let digest: [UInt8]
            if let previous, previous.block == block {
                digest = previous.digest
            } else {
                digest = try hasher.digest(of: block)
            }
            previous = (block, digest)
            above.replaceSubrange((index * digestSize)..<((index + 1) * digestSize), with: digest)
        }
        return above
    }

    /// The byte ranges of the file below `end` that hold data; the rest are holes. A filesystem that
    /// does not report holes reports one range, the whole file.
    private static func dataExtents(fd: Int32, path: String, end: UInt64) throws -> [(start: UInt64, end: UInt64)] {
        var extents: [(start: UInt64, end: UInt64)] = []
        var position: off_t = 0
        while UInt64(position) < end {
            let data = lseek(fd, position, seekData)
            if data < 0 {
                if errno == ENXIO { break }
                return [(0, end)]
            }
            var hole = lseek(fd, data, seekHole)
            if hole < 0 { hole = off_t(end) }
            extents.append((UInt64(data), min(UInt64(hole), end)))
            position = hole
        }
        return extents
    }

    private static func readAll(fd: Int32, _ buffer: inout [UInt8], at offset: UInt64, path: String) throws {
        var done = 0
        while done < buffer.count {
            let count = buffer.withUnsafeMutableBytes {
                pread(fd, $0.baseAddress.map { $0 + done }, $0.count - done, off_t(offset) + off_t(done))
            }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { throw failure(path, "read at \(offset + UInt64(done))") }
            if count == 0 { break }  // past the end: the padding reads as zeros
            done += count
        }
    }

    private static func writeAll(fd: Int32, _ bytes: [UInt8], at offset: UInt64, path: String) throws {
        var done = 0
        while done < bytes.count {
            let count = bytes.withUnsafeBytes {
                pwrite(fd, $0.baseAddress.map { $0 + done }, $0.count - done, off_t(offset) + off_t(done))
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw failure(path, "write the hash tree at \(offset + UInt64(done))") }
            done += count
        }
    }

    static func failure(_ path: String, _ operation: String, _ code: Int32 = errno) -> VerityError {
        VerityError(path: path, operation: operation, message: String(cString: strerror(code)))
    }
}

// lseek's whence values for holes (Linux <unistd.h>, visible to C only with _GNU_SOURCE).
private let seekData: Int32 = 3
private let seekHole: Int32 = 4

/// SHA-256(salt ‖ block) through libcrypto (the CPU's SHA extensions where it has them). Each
/// job makes its own: the context is reused from block to block.
final class BlockHasher {
    let salt: [UInt8]
    private let context: OpaquePointer?

    init(salt: [UInt8]) {
        self.salt = salt
        context = EVP_MD_CTX_new()
    }

    deinit { EVP_MD_CTX_free(context) }

    func digest(of block: UnsafeRawBufferPointer) throws -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok =
            context != nil && EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1
            && salt.withUnsafeBytes { EVP_DigestUpdate(context, $0.baseAddress, $0.count) } == 1
            && EVP_DigestUpdate(context, block.baseAddress, block.count) == 1
            && EVP_DigestFinal_ex(context, &digest, &length) == 1
        guard ok, length == UInt32(Verity.digestSize) else {
            throw VerityError(path: "", operation: "hash", message: "libcrypto's SHA-256 failed")
        }
        return Array(digest.prefix(Verity.digestSize))
    }

    func digest(of block: ArraySlice<UInt8>) throws -> [UInt8] {
        try block.withUnsafeBytes { try digest(of: $0) }
    }
}

/// Level 0's buffer, written by concurrent jobs at disjoint offsets.
private struct SendableBuffer: @unchecked Sendable {  // each job writes its own range
    let base: UnsafeMutableRawBufferPointer

    func store(_ bytes: [UInt8], at offset: Int) {
        bytes.withUnsafeBytes {
            UnsafeMutableRawBufferPointer(rebasing: base[offset..<(offset + $0.count)]).copyMemory(from: $0)
        }
    }
}

/// The first error of the concurrent jobs.
private final class FailureBox: @unchecked Sendable {  // every access holds `lock`
    private var stored: (any Error)?
    private let lock = DispatchQueue(label: "verity-failure")

    func set(_ error: any Error) { lock.sync { if stored == nil { stored = error } } }
    var error: (any Error)? { lock.sync { stored } }
}
