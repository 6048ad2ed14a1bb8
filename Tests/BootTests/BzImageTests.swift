import Boot
import Testing

@Suite struct BzImageTests {
    @Test func readsTheReleaseOfTheCloudKernel() throws {
        let kernel = try RealKernel.package()
        #expect(try BzImage.kernelRelease(of: kernel.image, label: "vmlinuz") == kernel.version)
    }

    /// A minimal setup header: boot sector signature, "HdrS", protocol 2.15, one setup sector.
    private func header(pointer: UInt16, version: String?) -> [UInt8] {
        var image = [UInt8](repeating: 0, count: 1024)
        image[0x1F1] = 1
        image[0x1FE] = 0x55
        image[0x1FF] = 0xAA
        image.replaceSubrange(0x202..<0x206, with: Array("HdrS".utf8))
        image[0x206] = 0x0F
        image[0x207] = 0x02
        image[0x20E] = UInt8(pointer & 0xFF)
        image[0x20F] = UInt8(pointer >> 8)
        if let version {
            let start = 0x200 + Int(pointer)
            image.replaceSubrange(start..<start + version.utf8.count, with: Array(version.utf8))
        }
        return image
    }

    @Test func takesTheFirstWordOfTheVersionString() throws {
        let image = header(pointer: 0x100, version: "6.1.0-custom (me@example.com) #1 SMP")
        #expect(try BzImage.kernelRelease(of: image, label: "k") == "6.1.0-custom")
    }

    @Test(arguments: [[UInt8](repeating: 0, count: 4096), [UInt8](repeating: 0x7F, count: 16)])
    func rejectsWhatIsNotABzImage(image: [UInt8]) {
        let message = "not an x86 bzImage (no \"HdrS\" setup header at 0x202); give a bzImage such as vmlinuz"
        #expect(throws: BootError(operation: "read the kernel version", subject: "k", message: message)) {
            try BzImage.kernelRelease(of: image, label: "k")
        }
    }

    @Test func rejectsAHeaderWithoutAUsableVersion() {
        func failure(_ message: String) -> BootError {
            BootError(operation: "read the kernel version", subject: "k", message: message)
        }
        #expect(
            throws: failure("the setup header has no kernel_version string; give modules-dir to name the version")
        ) { try BzImage.kernelRelease(of: header(pointer: 0, version: nil), label: "k") }
        // One setup sector: the setup code ends at 0x400, so 0x200 + 0x300 is outside it.
        #expect(throws: failure("kernel_version points at 0x500, outside the setup code")) {
            try BzImage.kernelRelease(of: header(pointer: 0x300, version: nil), label: "k")
        }
        #expect(throws: failure("the kernel_version string \"\" does not start with a release name")) {
            try BzImage.kernelRelease(of: header(pointer: 0x100, version: nil), label: "k")
        }
    }
}
