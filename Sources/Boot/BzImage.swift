// The kernel release written into an x86 bzImage, read from its setup header (the Linux x86 boot
// protocol, Documentation/arch/x86/boot.rst):
//
//   0x1F1  setup_sects     u8    sectors of real-mode setup code after the boot sector
//   0x1FE  boot_flag       u16   0xAA55
//   0x202  header          u32   "HdrS"
//   0x206  version         u16   boot protocol version (kernel_version exists from 2.00)
//   0x20E  kernel_version  u16   if nonzero: the version string is at 0x200 + this value,
//                                NUL-terminated, inside the setup code
//
// The string is `uname -r` followed by the builder and build details, e.g.
// "6.1.0-57-cloud-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3 ...",
// so the release is its first word. It is what /lib/modules/RELEASE must be named for modprobe.

/// Reads facts from an x86 bzImage without running or decompressing it.
public enum BzImage {
    /// The kernel release (`6.1.0-57-cloud-amd64`) named in the setup header of `image`.
    /// `label` names the image in errors. Throws `BootError` when `image` is not a bzImage or has no
    /// version string.
    public static func kernelRelease(of image: [UInt8], label: String) throws -> String {
        func failure(_ message: String) -> BootError {
            BootError(operation: "read the kernel version", subject: label, message: message)
        }
        guard image.count >= 0x210, image[0x1FE] == 0x55, image[0x1FF] == 0xAA,
            Array(image[0x202..<0x206]) == Array("HdrS".utf8)
        else {
            throw failure("not an x86 bzImage (no \"HdrS\" setup header at 0x202); give a bzImage such as vmlinuz")
        }
        let protocolVersion = UInt16(image[0x206]) | UInt16(image[0x207]) << 8
        let pointer = Int(image[0x20E]) | Int(image[0x20F]) << 8
        guard protocolVersion >= 0x0200, pointer != 0 else {
            throw failure("the setup header has no kernel_version string; give modules-dir to name the version")
        }
        // The string is inside the setup code: the boot sector plus setup_sects sectors (4 when 0).
        let setupSectors = image[0x1F1] == 0 ? 4 : Int(image[0x1F1])
        let start = 0x200 + pointer
        let end = min(image.count, (setupSectors + 1) * 512)
        guard start < end, let terminator = image[start..<end].firstIndex(of: 0) else {
            throw failure("kernel_version points at 0x\(String(start, radix: 16)), outside the setup code")
        }
        let text = String(decoding: image[start..<terminator], as: UTF8.self)
        guard let release = text.split(separator: " ").first,
            release.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) && $0 != "/" })
        else {
            throw failure("the kernel_version string \"\(text)\" does not start with a release name")
        }
        return String(release)
    }
}
