// Unified kernel images built from Debian's systemd-stub, read back by binutils (objdump, objcopy)
// and signed and verified by sbsigntool.
import Boot
import Disk
import Foundation
import TestSupport
import Testing

@Suite struct UnifiedKernelImageTests {
    static let stubPath = "/" + UnifiedKernelImage.stubPath
    static let certificate = "/usr/share/ovmf/PkKek-1-snakeoil.pem"

    static func stub() throws -> [UInt8] {
        let bytes = FileManager.default.contents(atPath: stubPath)
        return Array(try #require(bytes, "install systemd-boot-efi (make deps)"))
    }

    /// Inputs whose sizes are not multiples of any alignment.
    static func assemble(commandLine: String = "slipway.root=PARTUUID=1234 console=ttyS0") throws -> [UInt8] {
        try UnifiedKernelImage.assemble(
            stub: try stub(), kernel: (0..<300_001).map { UInt8(truncatingIfNeeded: $0 &* 7) },
            initrd: (0..<123_457).map { UInt8(truncatingIfNeeded: $0 &* 13) }, commandLine: commandLine,
            osRelease: Array("ID=debian\nPRETTY_NAME=\"slipway test\"\n".utf8))
    }

    /// objdump's section list: name → (size, VMA, file offset).
    static func sections(_ path: String) throws -> [String: (size: Int, vma: Int, offset: Int)] {
        let result = try runTool(["objdump", "-h", path])
        #expect(result.status == 0, "\(result.stderr)")
        var sections: [String: (Int, Int, Int)] = [:]
        for line in result.stdout.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 7, Int(fields[0]) != nil, let size = Int(fields[2], radix: 16),
                let vma = Int(fields[3], radix: 16), let offset = Int(fields[5], radix: 16)
            else { continue }
            sections[String(fields[1])] = (size, vma, offset)
        }
        return sections
    }

    @Test func sectionsAreAddedAfterTheStubsAndReadBackByBinutils() throws {
        let scratch = try TemporaryDirectory("uki")
        let image = try Self.assemble()
        let path = scratch.file("linux.efi")
        try Data(image).write(to: URL(fileURLWithPath: path))
        let sections = try Self.sections(path)
        let stubSections = try Self.sections(Self.stubPath)
        #expect(Set(sections.keys) == Set(stubSections.keys).union([".osrel", ".cmdline", ".linux", ".initrd"]))
        #expect(sections[".linux"]?.size == 300_001)
        #expect(sections[".initrd"]?.size == 123_457)
        let stubEnd = stubSections.values.map { $0.vma + $0.size }.max() ?? 0
        var previousEnd = stubEnd
        for name in [".osrel", ".cmdline", ".linux", ".initrd"] {
            let section = try #require(sections[name])
            #expect(section.vma % 4096 == 0 && section.vma >= previousEnd, "\(name) at \(section.vma)")
            previousEnd = section.vma + section.size
        }
        // objcopy extracts exactly what went in.
        for (name, expected) in [(".cmdline", "slipway.root=PARTUUID=1234 console=ttyS0"), (".osrel", "ID=debian")] {
            let out = scratch.file(name)
            let result = try runTool(["objcopy", "-O", "binary", "--only-section=\(name)", path, out])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(try String(contentsOfFile: out, encoding: .utf8).hasPrefix(expected))
        }
        #expect(
            try UnifiedKernelImage.section(".cmdline", of: image)
                == Array("slipway.root=PARTUUID=1234 console=ttyS0".utf8))
        #expect(try Self.assemble() == image, "the same inputs give the same bytes")
    }

    @Test func theSizeEstimateIsAnUpperBound() throws {
        let image = try Self.assemble()
        let estimate = try UnifiedKernelImage.size(
            stub: try Self.stub(), kernel: 300_001, initrd: 123_457, commandLineBytes: 4096,
            osRelease: "ID=debian\nPRETTY_NAME=\"slipway test\"\n".utf8.count)
        #expect(estimate >= image.count && estimate - image.count <= 4096, "\(estimate) for \(image.count)")
    }

    @Test func whatIsNotAnUnsignedPEProgramIsRefused() throws {
        #expect(throws: BootError.self) {
            _ = try UnifiedKernelImage.assemble(
                stub: Array("MZ".utf8), kernel: [], initrd: [], commandLine: "", osRelease: [])
        }
        let scratch = try TemporaryDirectory("uki-signed-stub")
        let signer = try SecureBootSigner(
            keyPath: try Self.plainSnakeoilKey(scratch), certificatePath: Self.certificate)
        let signedStub = try signer.sign(try Self.stub(), name: "stub", epoch: 0, scratch: scratch.path)
        let error = try #require(throws: BootError.self) {
            _ = try UnifiedKernelImage.assemble(
                stub: signedStub, kernel: [1], initrd: [2], commandLine: "x", osRelease: [])
        }
        #expect(error.message.contains("already signed"))
    }

    /// Debian's snakeoil key without its passphrase ("snakeoil"), as a build would be given it.
    static func plainSnakeoilKey(_ scratch: TemporaryDirectory) throws -> String {
        let path = scratch.file("snakeoil.key")
        let result = try runTool([
            "openssl", "pkey", "-in", "/usr/share/ovmf/PkKek-1-snakeoil.key", "-passin", "pass:snakeoil", "-out", path,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        return path
    }

    @Test func signedImagesVerifyAndAreTheSameAtTheSameEpoch() throws {
        let scratch = try TemporaryDirectory("uki-sign")
        let signer = try SecureBootSigner(
            keyPath: try Self.plainSnakeoilKey(scratch), certificatePath: Self.certificate)
        let image = try Self.assemble()
        let signed = try signer.sign(image, name: "linux.efi", epoch: 1_700_000_000, scratch: scratch.path)
        let again = try signer.sign(image, name: "linux.efi", epoch: 1_700_000_000, scratch: scratch.path)
        #expect(signed == again)
        let path = scratch.file("signed.efi")
        try Data(signed).write(to: URL(fileURLWithPath: path))
        #expect(try runTool(["sbverify", "--cert", Self.certificate, path]).status == 0)
        // A flipped byte in the kernel section breaks the signature.
        var tampered = signed
        tampered[try #require(Self.sections(path)[".linux"]).offset + 1000] ^= 1
        try Data(tampered).write(to: URL(fileURLWithPath: path))
        #expect(try runTool(["sbverify", "--cert", Self.certificate, path]).status != 0)
        // A later epoch is another signing time.
        #expect(try signer.sign(image, name: "linux.efi", epoch: 1_800_000_000, scratch: scratch.path) != signed)
    }

    @Test func keysThatCannotSignAreRefusedBeforeTheBuild() throws {
        let scratch = try TemporaryDirectory("uki-keys")
        let encrypted = "/usr/share/ovmf/PkKek-1-snakeoil.key"
        let error = try #require(throws: DiskError.self) {
            _ = try SecureBootSigner(keyPath: encrypted, certificatePath: Self.certificate)
        }
        #expect("\(error)".hasPrefix("--secure-boot-key \(encrypted): the key is encrypted"), "\(error)")
        let key = try Self.plainSnakeoilKey(scratch)
        #expect(
            throws: DiskError.invalidSigningInput(
                flag: "--secure-boot-cert", path: key, rule: "expected a PEM X.509 certificate (BEGIN CERTIFICATE)")
        ) {
            _ = try SecureBootSigner(keyPath: key, certificatePath: key)
        }
        let missing = scratch.file("missing.pem")
        #expect(
            throws: DiskError.invalidSigningInput(
                flag: "--secure-boot-key", path: missing, rule: "No such file or directory")
        ) {
            _ = try SecureBootSigner(keyPath: missing, certificatePath: Self.certificate)
        }
    }
}
