import Disk
import Testing

struct GUIDTests {
    @Test func parsesAndPrints() throws {
        let guid = try #require(GUID("C12A7328-F81F-11D2-BA4B-00A0C93EC93B"))
        #expect(guid.description == "c12a7328-f81f-11d2-ba4b-00a0c93ec93b")
        #expect(guid.uppercased == "C12A7328-F81F-11D2-BA4B-00A0C93EC93B")
        #expect(GUID(guid.description) == guid)
    }

    /// The ESP type GUID as it appears on disk (UEFI spec: first three fields little-endian).
    @Test func mixedEndianEncoding() throws {
        let guid = try #require(GUID("C12A7328-F81F-11D2-BA4B-00A0C93EC93B"))
        #expect(
            guid.gptBytes == [
                0x28, 0x73, 0x2A, 0xC1, 0x1F, 0xF8, 0xD2, 0x11, 0xBA, 0x4B, 0x00, 0xA0, 0xC9, 0x3E, 0xC9, 0x3B,
            ])
        #expect(GUID(gptBytes: guid.gptBytes) == guid)
    }

    @Test(arguments: [
        "", "C12A7328F81F11D2BA4B00A0C93EC93B", "C12A7328-F81F-11D2-BA4B-00A0C93EC93",
        "G12A7328-F81F-11D2-BA4B-00A0C93EC93B",
        "C12A7328-F81F-11D2-BA4B+00A0C93EC93B", "C12A7328-F81F-11D2-BA4B-00A0C93EC93BB",
    ])
    func rejectsMalformedText(text: String) {
        #expect(GUID(text) == nil)
    }

    @Test func knownTypesAreValid() {
        let types = [
            GPT.PartitionType.esp, GPT.PartitionType.rootX86_64, GPT.PartitionType.rootAArch64,
            GPT.PartitionType.linuxData, GPT.PartitionType.variableData, GPT.PartitionType.home,
            GPT.PartitionType.swap, GPT.PartitionType.extendedBoot,
        ]
        #expect(!types.contains(.zero))
        #expect(Set(types).count == types.count)
        #expect(GPT.PartitionType.rootX86_64.uppercased == "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709")
    }

    /// Derived GUIDs are stable, differ by seed and purpose, and are what Python's uuid module makes of
    /// the same SHA-256 prefix as a version-4 UUID.
    @Test func derivedGUIDs() throws {
        let guid = GUID.derived(seed: "profile", purpose: "ROOT-A")
        #expect(guid == GUID.derived(seed: "profile", purpose: "ROOT-A"))
        #expect(guid != GUID.derived(seed: "profile", purpose: "ROOT-B"))
        #expect(guid != GUID.derived(seed: "profile2", purpose: "ROOT-A"))
        let python = try DiskFixtures.python(
            "import hashlib, uuid\n"
                + "d = hashlib.sha256(b'slipway-guid\\0profile\\0ROOT-A').digest()[:16]\n"
                + "print(uuid.UUID(bytes=d, version=4))")
        #expect(guid.description == python)
    }
}
