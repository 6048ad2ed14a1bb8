// Slot A as a unified kernel image (kernel.uki, or implied by Secure Boot signing): one EFI program
// holding the kernel, the initrd, the command line and the root's os-release, signed with
// systemd-boot when the build has a Secure Boot key. The firmware then refuses a loader or an
// image that is unsigned or changed, and the command line cannot be edited without the key.
import Boot
import Disk
import Foundation
import Profile
import Rootfs

struct UnifiedSlot {
    /// The root's os-release: the stub shows its PRETTY_NAME and the loader reads it for the menu.
    let osRelease: [UInt8]
    let signer: SecureBootSigner?
    let epoch: Int64
    let scratch: URL

    /// On the command line of every slot booting a unified kernel image: the initrd reads it to
    /// refuse first-boot kernel arguments, which cannot change a sealed line.
    static let marker = "slipway.uki=1"

    /// The os-release of `tree` (`etc/os-release`, else `usr/lib/os-release`); a root without one
    /// (a busybox root) gets one naming the profile, its version and description.
    static func osRelease(in tree: Tree, profile: Profile) throws -> [UInt8] {
        for path in ["etc/os-release", "usr/lib/os-release"] {
            guard let node = tree.resolvedNode(at: path)?.node, case .regular(let content) = node.kind else { continue }
            return try content.readBytes(limit: 1 << 16)
        }
        let name = profile.name.value
        let pretty = (profile.description?.value ?? name).replacingOccurrences(of: "\"", with: "'")
        return Array(
            "NAME=\"\(name)\"\nID=\(name)\nVERSION_ID=\(profile.version.value)\nPRETTY_NAME=\"\(pretty)\"\n".utf8)
    }

    /// The slot's image made from `stub` (systemd-stub, from the build's systemd-boot-efi package)
    /// and its entry, the image signed when there is a key.
    func files(
        stub: [UInt8], kernel: [UInt8], initrd: [UInt8], commandLine: KernelCommandLine, title: String,
        triesLeft: Int
    ) throws -> [Boot.ESPFile] {
        var image = try UnifiedKernelImage.assemble(
            stub: stub, kernel: kernel, initrd: initrd, commandLine: commandLine.text, osRelease: osRelease)
        if let signer { image = try signer.sign(image, name: "linux.efi", epoch: epoch, scratch: scratch.path) }
        return LoaderEntries.unifiedSlotFiles(
            slot: .a, title: title, version: "1", image: image, commandLine: commandLine, triesLeft: triesLeft)
    }

    /// systemd-boot, signed when there is a key (the firmware starts it first).
    func loader(_ systemdBoot: [UInt8]) throws -> [UInt8] {
        guard let signer else { return systemdBoot }
        return try signer.sign(systemdBoot, name: "systemd-bootx64.efi", epoch: epoch, scratch: scratch.path)
    }
}

extension Builder {
    /// The request's Secure Boot key pair, checked before the build starts; nil without one.
    func secureBootSigner(_ request: BuildRequest) throws -> SecureBootSigner? {
        switch (request.secureBootKey, request.secureBootCertificate) {
        case (nil, nil): return nil
        case (let key?, let certificate?):
            guard !request.rootfsOnly else {
                throw BuildError(
                    operation: "sign for Secure Boot", path: "--secure-boot-key",
                    message: "a root filesystem alone has nothing to sign; leave out --rootfs-only")
            }
            return try SecureBootSigner(keyPath: key, certificatePath: certificate)
        case (nil, _):
            throw BuildError(
                operation: "sign for Secure Boot", path: "--secure-boot-cert",
                message: "give the key it certifies with --secure-boot-key")
        case (_, nil):
            throw BuildError(
                operation: "sign for Secure Boot", path: "--secure-boot-key",
                message: "give its certificate with --secure-boot-cert (the firmware's db must hold it)")
        }
    }
}
