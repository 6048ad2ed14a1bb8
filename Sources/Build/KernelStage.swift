// The kernel of a profile: the Debian kernel package (or files), its root modules installed into
// the tree, and the boot tree: the few Debian packages the initrd and the ESP are made from
// (libc and friends for slipway-initrd, busybox for the rescue shell, systemd-boot).
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
    var packages: [Manifest.PackageRecord]
}

struct KernelStage {
    let apt: Apt
    let progress: any ProgressReporter

    /// Resolves the kernel and installs the root's module closure (with kmod's indexes) into `tree`.
    func prepare(_ kernel: Profile.Kernel, into tree: Tree, timestamp: Int64) throws -> PreparedKernel {
        progress.phase("kernel")
        let (package, records) = try kernelPackage(kernel.source)
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
        let initrdModules = try package.modules.closure(of: kernel.initrdModules.map(\.value))
        progress.finish(
            "\(package.version), \(rootModules.modules.count) root and \(initrdModules.modules.count) initrd modules")
        return PreparedKernel(package: package, initrdModules: initrdModules, packages: records)
    }

    /// A kernel given as files: the image, and a `/lib/modules/VERSION` directory (its name is the
    /// version). They are read through the same parser as a package, as a package-shaped archive.
    private func kernelFromFiles(
        image: Profile.HostPath, modulesDirectory: Profile.HostPath?, at location: SourceLocation
    ) throws -> KernelPackage {
        let label = "kernel.files at \(location)"
        guard let modulesDirectory else {
            throw BuildError(
                operation: "read the kernel", path: "\(location)",
                message: "kernel.files needs modules-dir (a lib/modules/VERSION directory) to name the version")
        }
        let version = URL(fileURLWithPath: modulesDirectory.absolute).lastPathComponent
        let writer = try ArchiveWriter(format: .paxTar, label: label)
        try writer.write(
            ArchiveEntry(path: "boot/vmlinuz-\(version)", type: .regular, size: try size(of: image.absolute)),
            contentsOf: image.absolute)
        let files = FileManager.default.enumerator(atPath: modulesDirectory.absolute)?.allObjects as? [String] ?? []
        for relative in files.sorted() {
            let path = modulesDirectory.absolute + "/" + relative
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            try writer.write(
                ArchiveEntry(path: "lib/modules/\(version)/\(relative)", type: .regular, size: Int64(info.st_size)),
                contentsOf: path)
        }
        return try KernelPackage(dataArchive: try ArchiveReader(bytes: try writer.close(), label: label), label: label)
    }

    private func size(of path: String) throws -> Int64 {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw BuildError(operation: "read the kernel image", path: path, message: String(cString: strerror(errno)))
        }
        return Int64(info.st_size)
    }

    private func kernelPackage(_ source: Located<Profile.KernelSource>) throws -> (
        KernelPackage, [Manifest.PackageRecord]
    ) {
        switch source.value {
        case .files(let image, let modulesDirectory):
            return (try kernelFromFiles(image: image, modulesDirectory: modulesDirectory, at: source.location), [])
        case .package(let name):
            let cached = try apt.fetch(try apt.resolve([name]))
            // The named package is usually a metapackage; the image is in the one that ships /boot/vmlinuz-*.
            for candidate in cached where candidate.package.name.hasPrefix("linux-image-") {
                let deb = try DebianPackage(cached: candidate)
                guard let kernel = try? KernelPackage(dataArchive: try deb.dataArchive(), label: deb.label) else {
                    continue
                }
                return (
                    kernel,
                    cached.map { cached in
                        Manifest.PackageRecord(
                            name: cached.package.name, version: cached.package.version,
                            architecture: cached.package.architecture, sha256: cached.package.sha256,
                            size: cached.package.size, source: cached.package.uri, maintainerScripts: [])
                    }
                )
            }
            throw BuildError(
                operation: "find the kernel image", path: "\(source.location)",
                message: "no package in the closure of \(name) ships /boot/vmlinuz-*; name a linux-image package")
        }
    }
}
