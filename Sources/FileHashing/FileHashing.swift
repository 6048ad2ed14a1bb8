// SHA-256 of large files (root filesystem images, .deb packages, layer archives) through OpenSSL's
// libcrypto, which uses the CPU's SHA extensions where it has them: on the build machines we
// measured, about six times as fast as the portable implementation in Hashing (see docs/packages.md).
// Hashing stays the one for in-memory data and for the initrd's small inputs; both are checked
// against coreutils' sha256sum by the tests.
import COpenSSL
import Glibc
import Hashing

public enum FileHashing {
    /// The lower-case hexadecimal SHA-256 of the file at `path`. Throws `HashingError`.
    public static func sha256Hex(ofFile path: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw HashingError(path: path, errno: errno) }
        defer { close(fd) }
        guard let context = EVP_MD_CTX_new() else { throw HashingError(path: path, errno: ENOMEM) }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else { throw HashingError(path: path, errno: EINVAL) }
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { chunk.deallocate() }
        while true {
            let count = read(fd, chunk.baseAddress, chunk.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw HashingError(path: path, errno: errno)
            }
            if count == 0 { break }
            guard EVP_DigestUpdate(context, chunk.baseAddress, count) == 1 else {
                throw HashingError(path: path, errno: EIO)
            }
        }
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(context, &digest, &length) == 1, length == 32 else {
            throw HashingError(path: path, errno: EIO)
        }
        return digest.prefix(32).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
