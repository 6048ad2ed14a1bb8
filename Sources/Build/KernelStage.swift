// The kernel of a profile: the Debian kernel package (or files, see KernelFiles), its root modules
// installed into the tree, and the compression its initrd gets.
import Archive
import Boot
import Foundation
import Packages
import Profile
import Rootfs

/// What the disk stage needs from the kernel stage.
struct PreparedKernel {
    var package: KernelPackage
    var initrdModules: ModuleClosure
    /// What the initrd is compressed with: a format this kernel unpacks.
    var initrdCompression: ArchiveCompression
    var packages: [Manifest.PackageRecord]
}

struct KernelStage {
    let apt: Apt
    let progress: any ProgressReporter

    /// root.verity's device-mapper target, added to the initrd's modules when the profile's list
    /// lacks them (a kernel that has them built in needs no file).
    var verityModules: [String] = []

    /// Resolves the kernel and installs the root's module closure (with kmod's indexes) into `tree`.
    func prepare(_ kernel: Profile.Kernel, into tree: Tree, timestamp: Int64) throws -> PreparedKernel {
        progress.phase("kernel")
        let (package, records, compression) = try kernelPackage(kernel.source)
        let rootModules = try package.modules.closure(of: kernel.rootModules.map(\.value))
        try package.modules.install(rootModules, into: tree, modificationTime: timestamp)
        if !kernel.rootModules.isEmpty {
            // systemd-modules-load (or an init script) loads these at boot.
            let list = kernel.rootModules.map(\.value).joined(separator: "\n") + "\n"
            let node = Node(
                kind: .regular(.inline(Array(list.utf8))),
                metadata: Metadata(permissions: 0o644, modificationTime: timestamp))
            try tree.insert(node, at: ["etc", "modules-load.d", "slipway.conf"])
        }
        let initrdModules = try package.modules.closure(of: kernel.initrdModules.map(\.value) + verityModules)
        progress.finish(
            "\(package.version), \(rootModules.modules.count) root and \(initrdModules.modules.count) initrd modules")
        return PreparedKernel(
            package: package, initrdModules: initrdModules, initrdCompression: compression, packages: records)
    }

    /// The kernel, the packages it came from, and the initrd compression it unpacks.
    private func kernelPackage(_ source: Located<Profile.KernelSource>) throws -> (
        KernelPackage, [Manifest.PackageRecord], ArchiveCompression
    ) {
        switch source.value {
        case .files(let image, let modulesDirectory, let config):
            let files = KernelFiles(
                image: image, modulesDirectory: modulesDirectory, config: config, location: source.location)
            let kernel = try files.read()
            return (kernel, [], try files.initrdCompression(config: kernel.config))
        case .package(let name):
            let resolved: [ResolvedPackage]
            do {
                resolved = try apt.resolve([name])
            } catch let error as PackagesError {
                throw PackageProblems.atKernel(error, source: source, name: name)
            }
            let cached = try apt.fetch(resolved)
            // The named package is usually a metapackage; the image is in the one that ships /boot/vmlinuz-*.
            // Why each other candidate was passed over goes into the error if none ships it.
            var passedOver: [String] = []
            for candidate in cached where candidate.package.name.hasPrefix("linux-image-") {
                let deb = try DebianPackage(cached: candidate)
                let kernel: KernelPackage
                do {
                    kernel = try KernelPackage(dataArchive: try deb.dataArchive(), label: deb.label)
                } catch {
                    passedOver.append("\(deb.label): \(error)")
                    continue
                }
                return (
                    kernel,
                    cached.map { cached in
                        Manifest.PackageRecord(
                            name: cached.package.name, version: cached.package.version,
                            architecture: cached.package.architecture, sha256: cached.package.sha256,
                            size: cached.package.size, source: cached.package.uri, maintainerScripts: [])
                    },
                    kernel.initramfsCompression
                )
            }
            throw BuildError(
                operation: "find the kernel image", path: "\(source.location)",
                message: "no package in the closure of \(name) ships /boot/vmlinuz-*; name a linux-image package"
                    + (passedOver.isEmpty ? "" : " (read and passed over: " + passedOver.joined(separator: "; ") + ")"))
        }
    }
}
