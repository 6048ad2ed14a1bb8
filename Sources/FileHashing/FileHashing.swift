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
        guard let context = EVP_MD_CTX_new() else { throw HashingError(path: path, errno: ENOMEM) }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else { throw HashingError(path: path, errno: EINVAL) }
        try forEachChunk(ofFile: path) { chunk in
            guard EVP_DigestUpdate(context, chunk.baseAddress, chunk.count) == 1 else {
                throw HashingError(path: path, errno: EIO)
            }
        }
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(context, &digest, &length) == 1, length == 32 else {
            throw HashingError(path: path, errno: EIO)
        }
        return hex(Array(digest.prefix(32)))
    }
}
