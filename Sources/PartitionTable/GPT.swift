// GUID Partition Table, as specified in the UEFI Specification 2.x, chapter 5 ("GUID Partition
// Table (GPT) Disk Layout"), with partition type GUIDs from the Discoverable Partitions
// Specification (uapi-group.org). Only 512-byte logical sectors are written and read.
//
//   LBA 0            protective MBR: one record of type 0xEE covering LBA 1 to the end (max 2^32-1)
//   LBA 1            primary header, 92 bytes, rest of the sector zero
//   LBA 2 … 33       primary entry array: 128 entries × 128 bytes = 16 KiB
//   LBA 34 … 2047    unused: the first partition starts at 1 MiB
//   LBA 2048 …       partitions, each starting and ending on a 1 MiB boundary
//   LBA N-33 … N-2   backup entry array, byte for byte the primary one
//   LBA N-1          backup header: MyLBA and AlternateLBA swapped, PartitionEntryLBA = N-33
//
// Header (all integers little-endian):
//   0 Signature "EFI PART" · 8 Revision 0x00010000 · 12 HeaderSize 92 · 16 HeaderCRC32 (over HeaderSize
//   bytes with this field zero) · 20 Reserved · 24 MyLBA · 32 AlternateLBA · 40 FirstUsableLBA ·
//   48 LastUsableLBA · 56 DiskGUID · 72 PartitionEntryLBA · 80 NumberOfPartitionEntries ·
//   84 SizeOfPartitionEntry · 88 PartitionEntryArrayCRC32
// Entry:
//   0 PartitionTypeGUID · 16 UniquePartitionGUID · 32 StartingLBA · 40 EndingLBA (inclusive) ·
//   48 Attributes · 56 PartitionName (36 UTF-16LE code units, NUL padded)
// GUIDs are stored mixed-endian: see `GUID.gptBytes`.

/// The GPT on-disk format: constants, the table model, its writer and its verifying reader.
public enum GPT {
    /// Logical sector size. 4Kn disks are not supported.
    public static let sectorSize: UInt64 = 512
    /// Entries in each entry array; 128 is what the specification requires at minimum.
    public static let entryCount = 128
    /// Bytes per entry.
    public static let entrySize = 128
    /// Sectors one entry array occupies (16 KiB).
    public static let entryArraySectors = UInt64(entryCount * entrySize) / sectorSize
    /// The smallest disk that holds both headers, both arrays and one sector of data.
    public static let minimumSectors: UInt64 = 2 * (2 + entryArraySectors) + 1

    static let signature = Array("EFI PART".utf8)
    static let revision: UInt32 = 0x0001_0000
    static let headerSize = 92
    static let nameUnits = 36

    /// Partition type GUIDs, from the Discoverable Partitions Specification.
    public enum PartitionType {
        /// EFI System Partition.
        public static let esp = GUID.known("C12A7328-F81F-11D2-BA4B-00A0C93EC93B")
        /// Root partition for x86-64 (used for both A/B slots).
        public static let rootX86_64 = GUID.known("4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709")
        /// Root partition for AArch64.
        public static let rootAArch64 = GUID.known("B921B045-1DF0-41C3-AF44-4C6F280D3FAE")
        /// Generic Linux data: never mounted automatically by systemd-gpt-auto-generator.
        public static let linuxData = GUID.known("0FC63DAF-8483-4772-8E79-3D69D8477DE4")
        /// Variable data (/var): auto-mounted only when its GUID is keyed to the machine ID.
        public static let variableData = GUID.known("4D21B016-B534-45C2-A9FB-5C16E091FD2D")
        /// Home (/home).
        public static let home = GUID.known("933AC7E1-2EB4-4F13-B844-0E14E2AEF915")
        /// Linux swap.
        public static let swap = GUID.known("0657FD6D-A4AB-43C4-84E5-0933C84B4F4F")
        /// Extended boot loader partition (XBOOTLDR).
        public static let extendedBoot = GUID.known("BC13C2FF-59E6-4262-A352-B275FD6F7172")

        /// A short human name for a type GUID, or nil when it is not one of the above.
        public static func name(of type: GUID) -> String? {
            switch type {
            case esp: "EFI System"
            case rootX86_64: "Linux root (x86-64)"
            case rootAArch64: "Linux root (ARM-64)"
            case linuxData: "Linux filesystem"
            case variableData: "Linux variable data"
            case home: "Linux home"
            case swap: "Linux swap"
            case extendedBoot: "Linux extended boot"
            default: nil
            }
        }
    }
}

extension GUID {
    /// A GUID from a literal in this module's source; the literals are checked by the tests.
    static func known(_ text: String) -> GUID { GUID(text) ?? .zero }
}
