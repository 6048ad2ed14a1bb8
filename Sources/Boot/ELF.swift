// Just enough of ELF to read a kernel module's .modinfo and an executable's dynamic dependencies.
//
// Spec: System V ABI, "Object Files" (ELF-64 Object File Format 1.5). Only 64-bit little-endian
// objects are accepted (x86-64, arm64).
//
//   ELF header (64 bytes)      e_shoff @0x28 (u64), e_shentsize @0x3A, e_shnum @0x3C, e_shstrndx @0x3E (u16)
//   section headers [e_shnum]  each e_shentsize (64) bytes:
//     sh_name u32 · sh_type u32 · sh_flags u64 · sh_addr u64 · sh_offset u64 · sh_size u64 ·
//     sh_link u32 · sh_info u32 · sh_addralign u64 · sh_entsize u64
//   .dynamic (SHT_DYNAMIC)     16-byte entries (d_tag i64, d_val u64); DT_NEEDED = 1 gives an offset
//                              into the string table named by the section's sh_link.

/// A parsed ELF-64 little-endian object: its sections by name, read straight from the bytes.
struct ELF {
    struct Section {
        var name: String
        var type: UInt32
        var offset: Int
        var size: Int
        var link: Int
    }

    let bytes: [UInt8]
    let label: String
    let sections: [Section]

    static let sectionTypeDynamic: UInt32 = 6
    static let sectionTypeNoBits: UInt32 = 8

    /// Parses the section table of `bytes`; `label` names the file in errors.
    init(_ bytes: [UInt8], label: String) throws {
        self.bytes = bytes
        self.label = label
        guard bytes.count >= 64, bytes[0] == 0x7f, bytes[1] == 0x45, bytes[2] == 0x4c, bytes[3] == 0x46 else {
            throw BootError(operation: "read ELF", subject: label, message: "not an ELF file (no \\x7fELF magic)")
        }
        guard bytes[4] == 2, bytes[5] == 1 else {
            throw BootError(
                operation: "read ELF", subject: label,
                message: "only 64-bit little-endian ELF is supported (class \(bytes[4]), data \(bytes[5]))")
        }
        let reader = ByteReader(bytes: bytes, label: label)
        let tableOffset = try reader.int(at: 0x28, width: 8)
        let entrySize = try reader.int(at: 0x3A, width: 2)
        var count = try reader.int(at: 0x3C, width: 2)
        var namesIndex = try reader.int(at: 0x3E, width: 2)
        guard count > 0 || tableOffset != 0 else {
            self.sections = []
            return
        }
        guard entrySize >= 64 else {
            throw BootError(operation: "read ELF", subject: label, message: "section header size \(entrySize) < 64")
        }
        // Very large objects keep the real count and string-table index in section 0.
        if count == 0 { count = try reader.int(at: tableOffset + 32, width: 8) }
        if namesIndex == 0xffff { namesIndex = try reader.int(at: tableOffset + 40, width: 4) }
        guard count <= (bytes.count - min(tableOffset, bytes.count)) / entrySize else {
            throw BootError(
                operation: "read ELF", subject: label,
                message: "section table of \(count) entries at \(tableOffset) runs past the end of the file")
        }
        var raw: [(nameOffset: Int, section: Section)] = []
        for index in 0..<count {
            let base = tableOffset + index * entrySize
            let section = Section(
                name: "", type: UInt32(try reader.int(at: base + 4, width: 4)),
                offset: try reader.int(at: base + 24, width: 8), size: try reader.int(at: base + 32, width: 8),
                link: try reader.int(at: base + 40, width: 4))
            if section.type != Self.sectionTypeNoBits {
                guard section.offset <= bytes.count, section.size <= bytes.count - section.offset else {
                    throw BootError(
                        operation: "read ELF", subject: label,
                        message: "section \(index) (offset \(section.offset), size \(section.size)) runs past the end")
                }
            }
            raw.append((try reader.int(at: base, width: 4), section))
        }
        guard namesIndex < raw.count else {
            throw BootError(
                operation: "read ELF", subject: label, message: "section name table index \(namesIndex) out of range")
        }
        let names = raw[namesIndex].section
        sections = try raw.map { entry in
            var section = entry.section
            section.name = try reader.cString(at: names.offset + entry.nameOffset, end: names.offset + names.size)
            return section
        }
    }

    /// The section called `name`, if there is one.
    func section(named name: String) -> Section? { sections.first { $0.name == name } }

    /// The bytes of `section` (empty for SHT_NOBITS).
    func contents(of section: Section) -> ArraySlice<UInt8> {
        section.type == Self.sectionTypeNoBits ? [] : bytes[section.offset..<(section.offset + section.size)]
    }

    /// The NUL-separated strings of a section such as `.modinfo`.
    func strings(inSection name: String) -> [String] {
        guard let section = section(named: name) else { return [] }
        return contents(of: section).split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The sonames listed as DT_NEEDED in the dynamic section, in order.
    func neededLibraries() throws -> [String] {
        guard let dynamic = sections.first(where: { $0.type == Self.sectionTypeDynamic }) else { return [] }
        guard dynamic.link < sections.count else {
            throw BootError(
                operation: "read ELF", subject: label,
                message: ".dynamic names string table \(dynamic.link), out of range")
        }
        let strings = sections[dynamic.link]
        let reader = ByteReader(bytes: bytes, label: label)
        var needed: [String] = []
        var offset = dynamic.offset
        while offset + 16 <= dynamic.offset + dynamic.size {
            let tag = try reader.int(at: offset, width: 8)
            if tag == 0 { break }
            if tag == 1 {
                let name = try reader.int(at: offset + 8, width: 8)
                needed.append(try reader.cString(at: strings.offset + name, end: strings.offset + strings.size))
            }
            offset += 16
        }
        return needed
    }

    /// The program interpreter (`.interp`, e.g. /lib64/ld-linux-x86-64.so.2) of a dynamic executable.
    func interpreter() -> String? {
        guard let section = section(named: ".interp") else { return nil }
        let text = contents(of: section).prefix { $0 != 0 }
        return text.isEmpty ? nil : String(decoding: text, as: UTF8.self)
    }
}

/// Bounds-checked little-endian reads from untrusted bytes.
private struct ByteReader {
    let bytes: [UInt8]
    let label: String

    func int(at offset: Int, width: Int) throws -> Int {
        guard offset >= 0, offset <= bytes.count - width else {
            throw BootError(
                operation: "read ELF", subject: label, message: "field at offset \(offset) is past the end of the file")
        }
        var value: UInt64 = 0
        for index in (0..<width).reversed() { value = value << 8 | UInt64(bytes[offset + index]) }
        guard value <= UInt64(Int.max) else {
            throw BootError(operation: "read ELF", subject: label, message: "field at offset \(offset) is out of range")
        }
        return Int(value)
    }

    func cString(at offset: Int, end: Int) throws -> String {
        guard offset >= 0, offset < end, end <= bytes.count else {
            throw BootError(
                operation: "read ELF", subject: label, message: "string at offset \(offset) is out of its table")
        }
        guard let terminator = bytes[offset..<end].firstIndex(of: 0) else {
            throw BootError(
                operation: "read ELF", subject: label, message: "string at offset \(offset) is not terminated")
        }
        return String(decoding: bytes[offset..<terminator], as: UTF8.self)
    }
}
