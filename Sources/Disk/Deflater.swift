// zlib's deflate (CZlib), the one place this module calls it: VMDK grains are zlib streams
// (RFC 1950, as VMware and qemu write them), GCE's tar is gzip (RFC 1952). zlib's output depends only
// on its input, level and version, so the files stay byte-identical across builds. Every zlib
// failure becomes `DiskError.compression` with zlib's own message.
import CZlib

/// A deflate stream (zlib's `z_stream`), ended in deinit.
final class Deflater {
    /// The container around the deflate data, as zlib's window-bits argument selects it.
    enum Framing {
        /// RFC 1950: a 2-byte header and an Adler-32 trailer.
        case zlib
        /// RFC 1952: a 10-byte header (modification time 0, OS Unix) and a CRC-32 trailer.
        case gzip

        var windowBits: Int32 { self == .zlib ? 15 : 15 + 16 }
    }

    /// zlib checks that a stream stays at the address it was set up at, so it lives on the heap.
    private let stream: UnsafeMutablePointer<z_stream>
    private var output: [UInt8]
    /// The file being written, for messages.
    private let path: String

    /// Calls `deflateInit2` with `level` (zlib's default 6 unless told). Throws `DiskError.compression`.
    init(_ framing: Framing, level: Int32 = Z_DEFAULT_COMPRESSION, path: String) throws {
        self.path = path
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        output = [UInt8](repeating: 0, count: 1 << 18)
        let code = slipway_deflate_init(stream, level, framing.windowBits)
        guard code == Z_OK else {
            stream.deallocate()
            throw DiskError.compression(path: path, message: "deflateInit2 failed with zlib code \(code)")
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    /// Compresses `input` (and with `finish`, ends the stream), handing each piece of output to
    /// `sink`. Throws `DiskError.compression`, or what `sink` throws.
    func compress(
        _ input: UnsafeRawBufferPointer, finish: Bool, into sink: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = UInt32(input.count)
        let flush = finish ? Z_FINISH : Z_NO_FLUSH
        while true {
            let (code, produced) = output.withUnsafeMutableBytes { buffer -> (Int32, Int) in
                stream.pointee.next_out = buffer.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = UInt32(buffer.count)
                let code = deflate(stream, flush)
                return (code, buffer.count - Int(stream.pointee.avail_out))
            }
            guard code == Z_OK || code == Z_STREAM_END || code == Z_BUF_ERROR else { throw failure("deflate", code) }
            if produced > 0 {
                try output.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) }
            }
            // Done when the input is used up and, when finishing, the end of the stream is written.
            if finish ? code == Z_STREAM_END : (stream.pointee.avail_in == 0 && produced < output.count) { break }
        }
        stream.pointee.next_in = nil
    }

    /// Compresses `input` as one complete stream and returns it; the deflater can then be used again.
    func compressAll(_ input: UnsafeRawBufferPointer) throws -> [UInt8] {
        var result: [UInt8] = []
        try compress(input, finish: true) { result.append(contentsOf: $0) }
        let code = deflateReset(stream)
        guard code == Z_OK else { throw failure("deflateReset", code) }
        return result
    }

    private func failure(_ function: String, _ code: Int32) -> DiskError {
        let message = stream.pointee.msg.map { String(cString: $0) } ?? "zlib code \(code)"
        return DiskError.compression(path: path, message: "\(function): \(message)")
    }
}
