// xz decompression with a bound on the decoder's memory. An .xz block names its dictionary size
// in its header, and liblzma allocates that much; libarchive lets a stream ask for up to 1 GiB,
// which the decoder then fills as the data passes. A 156 KB layer declaring a 768 MiB dictionary
// took a build to about 800 MiB of resident memory, per layer read at once. Decoding here, with
// lzma_stream_decoder's memory limit at `XZDecoder.memoryLimit`, refuses such a stream instead.
internal import CLzma

/// Decompresses a `ByteStream` of .xz data (concatenated streams included, as xz(1) reads them)
/// into blocks of at most 64 KiB, as libarchive hands out its own.
final class XZDecoder {
    /// The most memory one decoder may use: enough for every xz preset (xz -9 and -9e use a
    /// 64 MiB dictionary, about 65 MiB to decode), like zstd's default window limit of 128 MiB.
    static let memoryLimit: UInt64 = 128 << 20

    private let source: any ByteStream
    private var stream = slipway_lzma_stream_init()
    private let output = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
    private var inputEnded = false
    private var finished = false

    init(source: any ByteStream) throws {
        self.source = source
        let status = lzma_stream_decoder(&stream, Self.memoryLimit, slipway_lzma_concatenated())
        guard status == LZMA_OK else { throw StreamFailure(message: Self.message(status, usage: 0)) }
    }

    deinit {
        lzma_end(&stream)
        output.deallocate()
    }

    /// The next decompressed bytes (valid until the next call); none at the end of the data.
    func nextBlock() throws -> UnsafeRawBufferPointer {
        guard let base = output.baseAddress else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        stream.next_out = base.assumingMemoryBound(to: UInt8.self)
        stream.avail_out = output.count
        while !finished && stream.avail_out == output.count {
            if stream.avail_in == 0 && !inputEnded {
                let bytes = try source.nextBytes()
                inputEnded = bytes.isEmpty
                stream.next_in = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
                stream.avail_in = bytes.count
            }
            let status = lzma_code(&stream, inputEnded ? LZMA_FINISH : LZMA_RUN)
            switch status {
            case LZMA_OK:
                continue
            case LZMA_STREAM_END:
                finished = true
            case LZMA_BUF_ERROR where inputEnded:
                throw StreamFailure(message: "truncated xz input")
            default:
                throw StreamFailure(message: Self.message(status, usage: lzma_memusage(&stream)))
            }
        }
        return UnsafeRawBufferPointer(start: base, count: output.count - stream.avail_out)
    }

    /// liblzma's status as text, in the words xz(1) uses.
    static func message(_ status: lzma_ret, usage: UInt64) -> String {
        switch status {
        case LZMA_MEMLIMIT_ERROR:
            "the xz data needs \(usage >> 20) MiB of memory to decompress (its dictionary), more than the "
                + "\(memoryLimit >> 20) MiB slipway allows; compress it with xz -9 or a smaller dictionary"
        case LZMA_MEM_ERROR: "out of memory"
        case LZMA_FORMAT_ERROR: "file format not recognized as xz"
        case LZMA_OPTIONS_ERROR: "unsupported xz compression options"
        case LZMA_DATA_ERROR: "xz compressed data is corrupt"
        case LZMA_BUF_ERROR: "unexpected end of xz input"
        default: "liblzma error \(status.rawValue)"
        }
    }
}
