// zstd frames through libzstd: one frame per chunk, so that apply can check and write each chunk as
// it streams. Compression is single-threaded at a fixed level, which makes the output a function of
// the input (and the library version) alone: rebuilt payloads are byte-identical.
import CZstd

enum Zstd {
    /// Level 6: noticeably smaller than the default 3 on root filesystems, and as fast to decode.
    static let level: Int32 = 6

    static func compress(_ input: [UInt8]) throws(UpdateError) -> [UInt8] {
        let bound = ZSTD_compressBound(input.count)
        var output = [UInt8](repeating: 0, count: bound)
        let written = output.withUnsafeMutableBytes { out in
            input.withUnsafeBytes { ZSTD_compress(out.baseAddress, bound, $0.baseAddress, input.count, level) }
        }
        guard ZSTD_isError(written) == 0 else {
            throw UpdateError("zstd", "compression failed: \(String(cString: ZSTD_getErrorName(written)))")
        }
        return Array(output[..<written])
    }

    /// Decompresses one frame that must hold exactly `size` bytes.
    static func decompress(_ input: [UInt8], size: Int, what: String) throws(UpdateError) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: size)
        let written = output.withUnsafeMutableBytes { out in
            input.withUnsafeBytes { ZSTD_decompress(out.baseAddress, size, $0.baseAddress, input.count) }
        }
        guard ZSTD_isError(written) == 0 else {
            throw UpdateError(what, "cannot decompress: \(String(cString: ZSTD_getErrorName(written)))")
        }
        guard written == size else {
            throw UpdateError(what, "decompresses to \(written) bytes, the manifest says \(size)")
        }
        return output
    }
}
