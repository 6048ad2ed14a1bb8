// gzip (RFC 1952) decompression in Swift, over the DEFLATE decoder of Inflate+Deflate.swift. Written
// here instead of linking zlib because the first-boot executable is statically linked and must not
// depend on a C library being present as a static archive. Decoding is incremental: compressed bytes
// are pulled from a chunk source as needed and the output is handed out in chunks, keeping only the
// 32 KiB that back-references can reach, so a file of any size is decompressed in well under a MiB.
// Output is capped so that a hostile resource cannot fill the disk (or, for `Gzip.decompress`, memory).
import Hashing

/// Why compressed data could not be decoded.
public struct InflateError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// gzip decoding.
public enum Gzip {
    /// The default limit on decompressed size: 1 GiB.
    public static let defaultLimit = 1 << 30

    /// Decompresses a gzip stream (all members, concatenated) into memory, checking each member's
    /// CRC-32 and size. For small data; resources are streamed with `GzipDecoder`.
    public static func decompress(_ data: [UInt8], limit: Int = defaultLimit) throws(InflateError) -> [UInt8] {
        var decoder = GzipDecoder(ArrayChunks(data), limit: limit)
        var output: [UInt8] = []
        while let chunk = try decoder.next() { output += chunk }
        return output
    }
}

/// A gzip stream decoded as it is read: `next()` returns the following chunk of output.
struct GzipDecoder<Source: ByteChunkSource> {
    /// The size of the chunks handed out (the last one may be shorter).
    static var chunkSize: Int { 1 << 16 }

    private enum Phase {
        case firstMember
        case member
        case afterMember
        case finished
    }

    private var input: BitReader<Source>
    private var output: OutputWindow
    private var inflater = Inflater()
    private var phase = Phase.firstMember

    init(_ source: Source, limit: Int = Gzip.defaultLimit) {
        input = BitReader(source)
        output = OutputWindow(chunkSize: GzipDecoder.chunkSize, limit: limit)
    }

    /// The next chunk of decompressed bytes, or nil after the last member has been checked.
    mutating func next() throws(InflateError) -> [UInt8]? {
        while output.pendingCount < GzipDecoder.chunkSize {
            switch phase {
            case .firstMember:
                guard let first = input.byte() else { throw InflateError("not gzip data: too short") }
                try header(first: first)
            case .member:
                if try inflater.run(&input, &output, until: GzipDecoder.chunkSize) { try trailer() }
            case .afterMember:
                try nextMember()
            case .finished:
                return output.pendingCount > 0 ? output.take() : nil
            }
        }
        return output.take()
    }

    /// Starts the next member, or finishes at the end of input; trailing zero bytes are allowed.
    private mutating func nextMember() throws(InflateError) {
        guard let first = input.byte() else {
            phase = .finished
            return
        }
        if first == 0 {
            while let byte = input.byte() {
                if byte != 0 { throw InflateError("not gzip data: bad magic number") }
            }
            phase = .finished
            return
        }
        try header(first: first)
    }

    private mutating func header(first: UInt8) throws(InflateError) {
        let isFirst = phase == .firstMember
        func byte() throws(InflateError) -> UInt8 {
            guard let byte = input.byte() else {
                throw InflateError(isFirst ? "not gzip data: too short" : "truncated gzip header")
            }
            return byte
        }
        guard first == 0x1f, try byte() == 0x8b else { throw InflateError("not gzip data: bad magic number") }
        let method = try byte()
        guard method == 8 else { throw InflateError("unsupported gzip compression method \(method)") }
        let flags = try byte()
        for _ in 0..<6 { _ = try byte() }  // modification time, extra flags, operating system
        if flags & 0x04 != 0 {
            let length = Int(try byte()) | Int(try byte()) << 8
            for _ in 0..<length { _ = try byte() }
        }
        for flag in [UInt8(0x08), 0x10] where flags & flag != 0 {
            while try byte() != 0 {}
        }
        if flags & 0x02 != 0 { _ = (try byte(), try byte()) }
        output.startStream()
        inflater = Inflater()
        phase = .member
    }

    private mutating func trailer() throws(InflateError) {
        input.alignToByte()
        var fields: [UInt32] = []
        for _ in 0..<2 {
            var value: UInt32 = 0
            for shift in stride(from: 0, to: 32, by: 8) {
                guard let byte = input.byte() else { throw InflateError("truncated gzip trailer") }
                value |= UInt32(byte) << UInt32(shift)
            }
            fields.append(value)
        }
        guard output.streamChecksum() == fields[0] else { throw InflateError("gzip CRC-32 mismatch") }
        guard UInt32(truncatingIfNeeded: output.streamLength) == fields[1] else {
            throw InflateError("gzip length mismatch")
        }
        phase = .afterMember
    }
}
