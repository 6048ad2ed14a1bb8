// A kernel given as files (`kernel.files`) instead of a Debian package: the image, optionally its
// modules directory and its build configuration. They are read through the same parser as a
// package, as a package-shaped archive:
//
//   boot/vmlinuz-RELEASE            files.image
//   boot/config-RELEASE             files.config (optional)
//   lib/modules/RELEASE/**          files.modules-dir (optional; its name is the release)
//
// Without modules-dir the release comes from the image's setup header. The initrd compression
// follows the configuration: zstd with CONFIG_RD_ZSTD=y, else gzip with CONFIG_RD_GZIP=y; without a
// configuration gzip, which every kernel that takes an initrd has unpacked since 2.6.
import Archive
import Boot
import Foundation
import Profile

struct KernelFiles {
    let image: Profile.HostPath
    let modulesDirectory: Located<Profile.HostPath>?
    let config: Located<Profile.HostPath>?
    /// Where the profile says `files:`.
    let location: SourceLocation

    /// Reads the image, configuration and modules.
    func read() throws -> KernelPackage {
        let label = "kernel.files at \(location)"
        let imageBytes = try contents(of: image.absolute, limit: 256 << 20)
        let release = try self.release(of: imageBytes)
        let writer = try ArchiveWriter(format: .paxTar, label: label)
        try writer.write(ArchiveEntry(path: "boot/vmlinuz-\(release)", type: .regular), bytes: imageBytes)
        if let config {
            try writer.write(
                ArchiveEntry(path: "boot/config-\(release)", type: .regular),
                bytes: try contents(of: config.value.absolute, limit: 16 << 20))
        }
        if let modulesDirectory = modulesDirectory?.value.absolute {
            let files = FileManager.default.enumerator(atPath: modulesDirectory)?.allObjects as? [String] ?? []
            for relative in files.sorted() {
                let path = modulesDirectory + "/" + relative
                var info = stat()
                guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
                try writer.write(
                    ArchiveEntry(path: "lib/modules/\(release)/\(relative)", type: .regular, size: Int64(info.st_size)),
                    contentsOf: path)
            }
        }
        return try KernelPackage(dataArchive: try ArchiveReader(bytes: try writer.close(), label: label), label: label)
    }

    /// The compression of the initrd: one the configuration says the kernel unpacks, gzip without one.
    func initrdCompression(config kernelConfig: KernelConfig) throws -> ArchiveCompression {
        guard let config else { return .gzip }
        if kernelConfig.isBuiltIn("CONFIG_RD_ZSTD") { return .zstd }
        if kernelConfig.isBuiltIn("CONFIG_RD_GZIP") { return .gzip }
        throw profileProblem(
            config, key: "kernel.files.config", shown: config.value.written,
            "the kernel configuration sets neither CONFIG_RD_ZSTD=y nor CONFIG_RD_GZIP=y, so the kernel unpacks "
                + "no initrd format slipway writes; build the kernel with one of them")
    }

    /// The kernel release: the name of modules-dir, which must match the image's own; without
    /// modules-dir, the image's.
    private func release(of imageBytes: [UInt8]) throws -> String {
        let imageLabel = "kernel.files.image \(image.written) at \(location)"
        guard let modulesDirectory else {
            return try BzImage.kernelRelease(of: imageBytes, label: imageLabel)
        }
        let named = URL(fileURLWithPath: modulesDirectory.value.absolute).lastPathComponent
        // An image without a readable header is left to the boot loader; a different release would
        // send modprobe to a directory the root does not have.
        if let own = try? BzImage.kernelRelease(of: imageBytes, label: imageLabel), own != named {
            throw profileProblem(
                modulesDirectory, key: "kernel.files.modules-dir", shown: modulesDirectory.value.written,
                "the directory is named for release \(named) but the image is release \(own); "
                    + "give the image's lib/modules/\(own)")
        }
        return named
    }

    private func contents(of path: String, limit: Int) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw BuildError(operation: "read the kernel files", path: path, message: String(cString: strerror(errno)))
        }
        defer { try? handle.close() }
        do {
            let data = try handle.read(upToCount: limit + 1) ?? Data()
            guard data.count <= limit else {
                throw BuildError(
                    operation: "read the kernel files", path: path, message: "larger than \(limit >> 20) MiB")
            }
            return Array(data)
        } catch let error as BuildError {
            throw error
        } catch {
            throw BuildError(operation: "read the kernel files", path: path, message: "\(error)")
        }
    }
}
