// The 92-byte GPT header, shared by the primary (LBA 1) and backup (last LBA) copies.
import Hashing

extension GPT {
    /// A decoded GPT header.
    struct Header: Equatable, Sendable {
        var currentLBA: UInt64
        var alternateLBA: UInt64
        var firstUsableLBA: UInt64
        var lastUsableLBA: UInt64
        var diskGUID: GUID
        var entriesLBA: UInt64
        var entryCount: UInt32
        var entrySize: UInt32
        var entriesCRC32: UInt32
    }
}

extension GPT.Header {
    /// One sector: the header with its CRC filled in, zero padded.
    func sectorBytes() -> [UInt8] {
        var header = fields(crc: 0)
        let crc = CRC32.checksum(header)
        header = fields(crc: crc)
        header += [UInt8](repeating: 0, count: Int(GPT.sectorSize) - header.count)
        return header
    }

    private func fields(crc: UInt32) -> [UInt8] {
        var writer = LittleEndianWriter(capacity: GPT.headerSize)
        writer.raw(GPT.signature)
        writer.u32(GPT.revision)
        writer.u32(UInt32(GPT.headerSize))
        writer.u32(crc)
        writer.u32(0)
        writer.u64(currentLBA)
        writer.u64(alternateLBA)
        writer.u64(firstUsableLBA)
        writer.u64(lastUsableLBA)
        writer.raw(diskGUID.gptBytes)
        writer.u64(entriesLBA)
        writer.u32(entryCount)
        writer.u32(entrySize)
        writer.u32(entriesCRC32)
        return writer.bytes
    }

    /// Decodes and checks one header sector: signature, revision, size and CRC. Returns the reason
    /// it is unusable instead of throwing, so the reader can name which copy failed.
    static func decode(sector: [UInt8]) -> Result<GPT.Header, HeaderProblem> {
        guard sector.count >= GPT.headerSize, Array(sector[0..<8]) == GPT.signature else {
            return .failure(.noSignature)
        }
        let reader = LittleEndianReader(bytes: sector)
        let revision = reader.u32(at: 8)
        guard revision >> 16 == 1 else { return .failure(.revision(revision)) }
        let size = Int(reader.u32(at: 12))
        guard size >= GPT.headerSize, size <= sector.count else { return .failure(.headerSize(size)) }
        let stored = reader.u32(at: 16)
        var zeroed = Array(sector[0..<size])
        zeroed.replaceSubrange(16..<20, with: [0, 0, 0, 0])
        let computed = CRC32.checksum(zeroed)
        guard stored == computed else { return .failure(.headerCRC(stored: stored, computed: computed)) }
        return .success(
            GPT.Header(
                currentLBA: reader.u64(at: 24), alternateLBA: reader.u64(at: 32),
                firstUsableLBA: reader.u64(at: 40), lastUsableLBA: reader.u64(at: 48),
                diskGUID: GUID(gptBytes: reader.slice(56, 16)) ?? .zero, entriesLBA: reader.u64(at: 72),
                entryCount: reader.u32(at: 80), entrySize: reader.u32(at: 84), entriesCRC32: reader.u32(at: 88)))
    }

    /// Why a header sector cannot be used.
    enum HeaderProblem: Error, CustomStringConvertible {
        case noSignature
        case revision(UInt32)
        case headerSize(Int)
        case headerCRC(stored: UInt32, computed: UInt32)

        var description: String {
            switch self {
            case .noSignature: "no \"EFI PART\" signature"
            case .revision(let value): "unsupported revision 0x\(String(value, radix: 16))"
            case .headerSize(let size): "header size \(size) is outside 92…512"
            case .headerCRC(let stored, let computed):
                "header CRC32 is \(crcText(stored)) but the header checksums to \(crcText(computed))"
            }
        }
    }
}

/// `0x1a2b3c4d`: CRCs in messages, always eight digits.
func crcText(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
}
