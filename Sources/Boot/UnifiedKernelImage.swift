// A unified kernel image (UKI, systemd's Unified Kernel Image specification): systemd-stub, a PE32+
// EFI program, with the kernel, the initrd, the kernel command line and the root's os-release added
// as PE sections. The firmware verifies one signature over all of it, so with Secure Boot none can
// be changed or swapped alone; systemd-stub then ignores a command line given by the boot loader.
//
// The sections are appended the way `objcopy --add-section --change-section-vma` would, without
// objcopy: new section headers in the room the stub leaves after its own (its SizeOfHeaders), the
// data at the end of the file, each section at the next page-aligned virtual address. Nothing in it
// depends on the time or the host, so the same inputs give the same bytes.
//
//   DOS header (e_lfanew @0x3C) → "PE\0\0" → COFF header (20 bytes) → optional header (PE32+)
//   → section table (40 bytes a section) … padding to SizeOfHeaders → section data

/// Builds unified kernel images from systemd-stub.
public enum UnifiedKernelImage {
    /// Where systemd-stub is in Debian's systemd-boot-efi package.
    public static let stubPath = "usr/lib/systemd/boot/efi/linuxx64.efi.stub"

    /// The stub with `.osrel`, `.cmdline`, `.linux` and `.initrd` added, in the order systemd's
    /// tools write them. `label` names the stub in errors.
    public static func assemble(
        stub: [UInt8], kernel: [UInt8], initrd: [UInt8], commandLine: String, osRelease: [UInt8],
        label: String = stubPath
    ) throws(BootError) -> [UInt8] {
        var image = try PEImage(stub, label: label)
        try image.append([
            (".osrel", osRelease), (".cmdline", Array(commandLine.utf8)), (".linux", kernel), (".initrd", initrd),
        ])
        return image.bytes
    }

    /// How large the image of these inputs will be, for sizing the ESP before the command line is
    /// final: the command line counts as `commandLineBytes` (an upper bound).
    public static func size(stub: [UInt8], kernel: Int, initrd: Int, commandLineBytes: Int, osRelease: Int)
        throws(BootError) -> Int
    {
        let image = try PEImage(stub, label: stubPath)
        let alignment = image.fileAlignment
        return image.dataEnd
            + [osRelease, commandLineBytes, kernel, initrd].reduce(0) { $0 + PEImage.align($1, to: alignment) }
    }

    /// The named section's bytes (its virtual size), or nil: for tests and `inspect`.
    public static func section(_ name: String, of bytes: [UInt8]) throws(BootError) -> [UInt8]? {
        try PEImage(bytes, label: "unified kernel image").section(name)
    }
}

/// A PE32+ image and the header fields section appending changes.
struct PEImage {
    private(set) var bytes: [UInt8]
    private let label: String
    /// Offsets of the COFF header, the optional header and the section table.
    private let coff: Int
    private let optional: Int
    private var sectionTable: Int
    let fileAlignment: Int
    private let sectionAlignment: Int
    private let headersSize: Int

    /// Section headers are 40 bytes; this flag set marks initialized, read-only data.
    static let sectionHeaderSize = 40
    static let readOnlyData: UInt32 = 0x4000_0040
    /// New sections start on page boundaries: the kernel and initrd are mapped as they lie.
    static let pageSize = 4096

    init(_ bytes: [UInt8], label: String) throws(BootError) {
        self.bytes = bytes
        self.label = label
        func fail(_ why: String) -> BootError {
            BootError(
                operation: "build unified kernel image", subject: label, message: "not a PE32+ EFI program: \(why)")
        }
        guard bytes.count >= 0x40, bytes[0] == 0x4D, bytes[1] == 0x5A else { throw fail("no MZ header") }
        let peOffset = Int(Self.u32(bytes, 0x3C))
        guard peOffset + 24 <= bytes.count, bytes[peOffset..<peOffset + 4].elementsEqual([0x50, 0x45, 0, 0]) else {
            throw fail("no PE signature at e_lfanew")
        }
        coff = peOffset + 4
        optional = coff + 20
        let optionalSize = Int(Self.u16(bytes, coff + 16))
        guard optional + optionalSize <= bytes.count, optionalSize >= 112, Self.u16(bytes, optional) == 0x20B else {
            throw fail("the optional header is not PE32+")
        }
        sectionTable = optional + optionalSize
        fileAlignment = Int(Self.u32(bytes, optional + 36))
        sectionAlignment = Int(Self.u32(bytes, optional + 32))
        headersSize = Int(Self.u32(bytes, optional + 60))
        guard fileAlignment > 0, sectionAlignment > 0, Self.pageSize % sectionAlignment == 0 else {
            throw fail("its alignments (file \(fileAlignment), section \(sectionAlignment)) are not usable")
        }
        guard sectionTable + sectionCount * Self.sectionHeaderSize <= min(headersSize, bytes.count) else {
            throw fail("its section table runs past its headers")
        }
        for index in 0..<sectionCount {
            let header = sectionTable + index * Self.sectionHeaderSize
            guard Int(Self.u32(bytes, header + 20)) + Int(Self.u32(bytes, header + 16)) <= bytes.count else {
                throw fail("section \(index) runs past the end of the file")
            }
        }
        // A signature covers the file as it is; sections added after it would not be covered.
        if optionalSize >= 152, Self.u32(bytes, optional + 144) != 0 || Self.u32(bytes, optional + 148) != 0 {
            throw BootError(
                operation: "build unified kernel image", subject: label,
                message: "it is already signed; give the unsigned systemd-stub")
        }
    }

    var sectionCount: Int { Int(Self.u16(bytes, coff + 2)) }

    /// Where the last section's data ends in the file.
    var dataEnd: Int {
        (0..<sectionCount).map { index in
            let header = sectionTable + index * Self.sectionHeaderSize
            return Int(Self.u32(bytes, header + 20)) + Int(Self.u32(bytes, header + 16))
        }.max() ?? headersSize
    }

    /// Where the last section ends in memory.
    private var virtualEnd: Int {
        (0..<sectionCount).map { index in
            let header = sectionTable + index * Self.sectionHeaderSize
            return Int(Self.u32(bytes, header + 12)) + Int(Self.u32(bytes, header + 8))
        }.max() ?? headersSize
    }

    func section(_ name: String) -> [UInt8]? {
        for index in 0..<sectionCount {
            let header = sectionTable + index * Self.sectionHeaderSize
            let raw = bytes[header..<header + 8].prefix { $0 != 0 }
            guard String(decoding: raw, as: UTF8.self) == name else { continue }
            let start = Int(Self.u32(bytes, header + 20))
            let size = min(Int(Self.u32(bytes, header + 8)), Int(Self.u32(bytes, header + 16)))
            return Array(bytes[start..<start + size])
        }
        return nil
    }

    /// Appends `sections` (names of at most 8 bytes) after the existing ones.
    mutating func append(_ sections: [(name: String, data: [UInt8])]) throws(BootError) {
        let tableEnd = sectionTable + (sectionCount + sections.count) * Self.sectionHeaderSize
        let firstData =
            (0..<sectionCount).map { Int(Self.u32(bytes, sectionTable + $0 * Self.sectionHeaderSize + 20)) }
            .filter { $0 > 0 }.min() ?? headersSize
        guard tableEnd <= min(headersSize, firstData) else {
            throw BootError(
                operation: "build unified kernel image", subject: label,
                message: "its headers have no room for \(sections.count) more section headers")
        }
        // Nothing the sections do not hold stays: no signature, no overlay, and no COFF symbol table
        // (the stub's lies after its sections, where the new ones go; EFI loaders never read it).
        bytes.removeSubrange(dataEnd...)
        Self.put32(&bytes, coff + 8, 0)  // PointerToSymbolTable
        Self.put32(&bytes, coff + 12, 0)  // NumberOfSymbols
        var address = Self.align(virtualEnd, to: Self.pageSize)
        var addedData = 0
        for (name, data) in sections {
            precondition(name.utf8.count <= 8, "section names have at most 8 bytes")
            let header = sectionTable + sectionCount * Self.sectionHeaderSize
            let rawSize = Self.align(data.count, to: fileAlignment)
            var entry = Array(name.utf8) + [UInt8](repeating: 0, count: 8 - name.utf8.count)
            for value in [data.count, address, rawSize, bytes.count, 0, 0] { entry += Self.le32(UInt32(value)) }
            entry += [0, 0, 0, 0] + Self.le32(Self.readOnlyData)
            bytes.replaceSubrange(header..<header + Self.sectionHeaderSize, with: entry)
            Self.put16(&bytes, coff + 2, UInt16(sectionCount + 1))
            bytes += data + [UInt8](repeating: 0, count: rawSize - data.count)
            address = Self.align(address + data.count, to: Self.pageSize)
            addedData += rawSize
        }
        Self.put32(&bytes, optional + 8, Self.u32(bytes, optional + 8) &+ UInt32(addedData))  // SizeOfInitializedData
        Self.put32(&bytes, optional + 56, UInt32(Self.align(virtualEnd, to: sectionAlignment)))  // SizeOfImage
        Self.put32(&bytes, optional + 64, checksum())
    }

    /// The PE checksum: 16-bit words summed with their carries folded in, the checksum field itself
    /// left out, plus the file's length.
    private func checksum() -> UInt32 {
        var sum: UInt32 = 0
        let field = optional + 64
        var offset = 0
        while offset < bytes.count {
            if offset != field && offset != field + 2 {
                let word = UInt32(bytes[offset]) | (offset + 1 < bytes.count ? UInt32(bytes[offset + 1]) << 8 : 0)
                sum += word
                sum = (sum & 0xFFFF) + (sum >> 16)
            }
            offset += 2
        }
        return (sum & 0xFFFF) + UInt32(bytes.count)
    }

    static func align(_ value: Int, to alignment: Int) -> Int { (value + alignment - 1) / alignment * alignment }
    static func u16(_ bytes: [UInt8], _ at: Int) -> UInt16 { UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8 }
    static func u32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[at + $1]) << (8 * $1) }
    }
    static func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
    static func put16(_ bytes: inout [UInt8], _ at: Int, _ value: UInt16) {
        bytes[at] = UInt8(value & 0xFF)
        bytes[at + 1] = UInt8(value >> 8)
    }
    static func put32(_ bytes: inout [UInt8], _ at: Int, _ value: UInt32) {
        bytes.replaceSubrange(at..<at + 4, with: le32(value))
    }
}
